package dev.thaw.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecipeKeyTest {

    private static RootfsRecipe recipe(List<String> packages, Map<String, String> files) {
        return new RootfsRecipe("python", packages, files);
    }

    @Test
    void package_order_does_not_change_the_key() {
        assertThat(ImageBuilder.recipeKey(recipe(List.of("python3", "ca-certificates"), Map.of()), null))
                .isEqualTo(ImageBuilder.recipeKey(recipe(List.of("ca-certificates", "python3"), Map.of()), null));
    }

    @Test
    void packages_file_contents_and_name_change_the_key() {
        String base = ImageBuilder.recipeKey(recipe(List.of("python3"), Map.of("/etc/thaw/resident", "a\n")), null);

        assertThat(ImageBuilder.recipeKey(recipe(List.of("python3", "gcc"), Map.of("/etc/thaw/resident", "a\n")), null))
                .isNotEqualTo(base);
        assertThat(ImageBuilder.recipeKey(recipe(List.of("python3"), Map.of("/etc/thaw/resident", "b\n")), null))
                .isNotEqualTo(base);
        assertThat(ImageBuilder.recipeKey(new RootfsRecipe("py", List.of("python3"), Map.of("/etc/thaw/resident", "a\n")), null))
                .isNotEqualTo(base);
    }

    @Test
    void a_programs_source_changes_the_key_and_no_programs_keeps_the_key_of_files_alone() {
        Map<String, String> files = Map.of("/etc/thaw/resident", "a\n");
        String plain = ImageBuilder.recipeKey(new RootfsRecipe("java", List.of(), files, Map.of(), null), null);
        String one = ImageBuilder.recipeKey(
                new RootfsRecipe("java", List.of(), files, Map.of("/opt/thaw/runner", "int main(){}"), null), null);
        String other = ImageBuilder.recipeKey(
                new RootfsRecipe("java", List.of(), files, Map.of("/opt/thaw/runner", "int main(){return 1;}"), null), null);

        assertThat(plain).isEqualTo(ImageBuilder.recipeKey(new RootfsRecipe("java", List.of(), files), null));
        assertThat(one).isNotEqualTo(plain).isNotEqualTo(other);
    }

    @Test
    void the_image_a_layer_is_built_over_changes_its_key() {
        RootfsRecipe layer = new RootfsRecipe("python", List.of("python3"), Map.of(), recipe(List.of(), Map.of()));
        RootfsImage base = new RootfsImage("base", Path.of("/i/base.erofs"), "a".repeat(64), 1);
        RootfsImage rebuiltBase = new RootfsImage("base", Path.of("/i/base.erofs"), "b".repeat(64), 1);

        assertThat(ImageBuilder.recipeKey(layer, base)).isNotEqualTo(ImageBuilder.recipeKey(layer, rebuiltBase))
                .isNotEqualTo(ImageBuilder.recipeKey(layer, null));
    }

    @Test
    void layers_deeper_than_the_guest_can_attach_are_refused() {
        RootfsRecipe deep = new RootfsRecipe("l0", List.of(), Map.of());
        for (int i = 1; i < RootfsRecipe.MAX_DEPTH; i++) {
            deep = new RootfsRecipe("l" + i, List.of(), Map.of(), deep);
        }
        RootfsRecipe deepest = deep;

        assertThatThrownBy(() -> new RootfsRecipe("too-deep", List.of(), Map.of(), deepest))
                .hasMessageContaining("at most " + RootfsRecipe.MAX_DEPTH);
    }

    @Test
    void recipe_rejects_what_would_reach_a_command_line_or_escape_the_image() {
        assertThatThrownBy(() -> recipe(List.of("python3,gcc"), Map.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> recipe(List.of("--foo"), Map.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> recipe(List.of(), Map.of("/etc/../../x", ""))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RootfsRecipe("../x", List.of(), Map.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
