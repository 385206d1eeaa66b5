# Thaw's resident Elixir runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the
# kept-stdio kind, built like node-runner.js: the agent starts it with stdin, stdout and stderr
# on pipes it keeps, and it serves one program, the guest's last (mode "here"), by becoming it.
#
# The program runs through Kernel.CLI.run, as `elixir main.exs` runs a file: in a process of its
# own, an uncaught error printed by Elixir with status 1, at_exit callbacks run, then the VM
# halts with the status (System.halt flushes output), which the agent takes as the program's
# end: the runner sends no EXIT line.
defmodule ThawRunner do
  # Opened by the process that reads from it, before warm_up.
  def open_channel, do: :persistent_term.put(:thaw_channel, Port.open({:fd, 3, 3}, [:binary, :eof]))
  def channel, do: :persistent_term.get(:thaw_channel)

  def tell_agent(line), do: Port.command(channel(), line <> "\n")

  # One RUN message: its fields (RUN, workdir, code file, mode), or nil if the agent is gone.
  def read_request(message \\ "") do
    case String.split(message, <<0>>) do
      fields when length(fields) > 4 ->
        Enum.take(fields, 4)

      _ ->
        port = channel()

        receive do
          {^port, {:data, data}} -> read_request(message <> data)
          {^port, :eof} -> nil
        end
    end
  end

  # NUL-separated entries of a file the agent wrote in the working directory; none if absent.
  def read_entries(file) do
    case File.read(file) do
      {:ok, text} -> text |> String.split(<<0>>) |> Enum.drop(-1)
      {:error, :enoent} -> []
    end
  end

  # The program's whole environment (.thaw-env), in place of the runner's.
  def take_environment(workdir) do
    System.get_env() |> Map.keys() |> Enum.each(&System.delete_env/1)

    for entry <- read_entries(Path.join(workdir, ".thaw-env")),
        [name, value] <- [String.split(entry, "=", parts: 2)],
        name != "",
        do: System.put_env(name, value)
  end

  # :rand in the program's process from a fresh seed (clones of one snapshot would otherwise
  # share the clock and counters :rand seeds itself from).
  def reseed do
    {:ok, urandom} = :file.open('/dev/urandom', [:read, :binary, :raw])
    {:ok, <<a::64, b::64, c::64>>} = :file.read(urandom, 24)
    :file.close(urandom)
    :rand.seed(:exsss, {a, b, c})
  end

  def run_file(file) do
    Kernel.CLI.run(fn _ ->
      reseed()
      Code.require_file(file)
    end)
  end

  def run_here(workdir, code_file) do
    tell_agent("PID #{System.pid()}")
    File.cd!(workdir)
    take_environment(workdir)
    System.argv(read_entries(Path.join(workdir, ".thaw-args")))
    run_file(Path.join(workdir, code_file))
  end

  # Goes once through what programs do (compile and run a file, print, format, raise and
  # format an error) so that what that path loads is already in the snapshot. What it prints
  # goes to the kept pipes, where the agent drops it.
  def warm_up do
    dir = Path.join(System.tmp_dir!(), "thaw-warm-up-#{System.pid()}")
    File.mkdir_p!(dir)
    file = Path.join(dir, "main.exs")

    File.write!(file, """
    line = "warm-up" |> String.trim() |> String.upcase()
    IO.puts("\#{line} \#{Enum.sum(1..3)} \#{inspect(%{a: [1, 2]})}")
    IO.puts(:stderr, "warm-up")
    try do
      raise "warm-up"
    rescue
      e -> Exception.format(:error, e, __STACKTRACE__)
    end
    """)

    Code.require_file(file)
    Code.unrequire_files([file])
    File.rm_rf!(dir)
    for process <- Process.list(), do: :erlang.garbage_collect(process)
  end

  def serve do
    case read_request() do
      nil ->
        System.halt(0)

      ["RUN", workdir, code_file, "here"] ->
        run_here(workdir, code_file)

      # A pooled sandbox's warm-up (WARM): the BEAM's JIT writes each module's code into this
      # VM's own memory, so warm-up runs of `elixir` in VMs of their own leave it cold here.
      ["RUN", _, _, "warm"] ->
        warm_up()
        tell_agent("EXIT 0")
        serve()

      _ ->
        tell_agent("ERROR this runner keeps its stdio and serves only modes here (a last RUN) and warm")
        serve()
    end
  end
end

ThawRunner.open_channel()
ThawRunner.warm_up()
ThawRunner.tell_agent("READY")
ThawRunner.serve()
