// thaw_d_source.d: makes a D program's text valid as a string mixed into d-main.d, and keeps
// its messages naming main.d with its own line and column numbers. Imported, not compiled into
// the program: it runs only at compile time.
module thaw_d_source;

/// source with a byte order mark dropped and a #! line and a module declaration blanked (a
/// mixin may hold neither), after a #line that names main.d.
string programText(string source) {
    if (source.length >= 3 && source[0 .. 3] == "\xEF\xBB\xBF") source = source[3 .. $];
    if (source.length >= 2 && source[0 .. 2] == "#!") source = blanked(source, 0, lineEnd(source, 0));
    size_t start = codeStart(source);
    if (startsWithWord(source, start, "module")) source = blanked(source, start, statementEnd(source, start));
    return "#line 1 \"main.d\"\n" ~ source;
}

private size_t lineEnd(string s, size_t i) {
    while (i < s.length && s[i] != '\n') i++;
    return i;
}

private size_t statementEnd(string s, size_t i) {
    while (i < s.length && s[i] != ';') i++;
    return i < s.length ? i + 1 : i;
}

/// s with [from, to) turned into spaces, its line breaks kept, so that what follows keeps its place.
private string blanked(string s, size_t from, size_t to) {
    char[] blank = s[from .. to].dup;
    foreach (ref c; blank) {
        if (c != '\n' && c != '\r') c = ' ';
    }
    return s[0 .. from] ~ blank.idup ~ s[to .. $];
}

private bool startsWithWord(string s, size_t i, string word) {
    if (s.length < i + word.length || s[i .. i + word.length] != word) return false;
    if (i + word.length == s.length) return true;
    char next = s[i + word.length];
    return !(next == '_' || next >= 0x80 || (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z')
            || (next >= '0' && next <= '9'));
}

/// Where the first token is: past white space and comments.
private size_t codeStart(string s) {
    size_t i = 0;
    while (i < s.length) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
            i++;
        } else if (c == '/' && i + 1 < s.length && s[i + 1] == '/') {
            i = lineEnd(s, i);
        } else if (c == '/' && i + 1 < s.length && s[i + 1] == '*') {
            i = blockCommentEnd(s, i + 2);
        } else if (c == '/' && i + 1 < s.length && s[i + 1] == '+') {
            i = nestedCommentEnd(s, i + 2);
        } else {
            break;
        }
    }
    return i;
}

private size_t blockCommentEnd(string s, size_t i) {
    while (i + 1 < s.length && !(s[i] == '*' && s[i + 1] == '/')) i++;
    return i + 2 <= s.length ? i + 2 : s.length;
}

private size_t nestedCommentEnd(string s, size_t i) {
    for (int depth = 1; i < s.length && depth > 0;) {
        if (i + 1 < s.length && s[i] == '/' && s[i + 1] == '+') {
            depth++;
            i += 2;
        } else if (i + 1 < s.length && s[i] == '+' && s[i + 1] == '/') {
            depth--;
            i += 2;
        } else {
            i++;
        }
    }
    return i;
}
