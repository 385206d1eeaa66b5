# Thaw's resident Ruby runner (agent-protocol/PROTOCOL.md, "Resident runner"), built like
# python-runner.py.
#
# The guest agent starts it at boot, so it sits loaded inside the language's snapshot. On
# fd 3 it receives, per program, a working directory, a code file name, a mode and three
# descriptors (stdin, stdout, stderr). Mode "fork": a child runs the program as `ruby main.rb`
# would and the runner itself stays untouched. Mode "here" (the guest's last program): the
# runner becomes the program, which saves the fork.
#
# The program runs in TOPLEVEL_BINDING, so its top-level methods and `<main>` frames are a
# script's; the runner keeps its own names inside this module and has no top-level locals.
# Random state: Kernel.srand in every program, after the host's SEED has refreshed the
# kernel's pool. OpenSSL, whose generator would keep state of its own, is not loaded here.
require "socket"

# What a first program would otherwise load: kept in the snapshot, loaded once.
require "json"
require "set"
require "stringio"
require "time"
require "pp"

module ThawRunner
  CHANNEL = UNIXSocket.for_fd(3)
  RUNNER_FILE = File.expand_path(__FILE__)
  END_MARK = /^__END__\r?\n/

  # Goes once through what programs do (evaluate code, raise, format an error) so that what
  # that path loads and caches is already in the snapshot.
  def self.warm_up
    TOPLEVEL_BINDING.eval("lambda { raise ArgumentError, 'warm-up' }", "(warm-up)", 1).call
  rescue ArgumentError => e
    e.full_message(highlight: false, order: :top)
  end

  # The program's whole environment, as the agent wrote it: NUL-separated NAME=value.
  def self.read_env(workdir)
    entries = File.binread(File.join(workdir, ".thaw-env")).split("\0")
    entries.filter_map { |e| e.split("=", 2) if e.include?("=") }.to_h
  end

  # The program's arguments, as the agent wrote them: each followed by a NUL; no file, none.
  def self.read_args(workdir)
    File.binread(File.join(workdir, ".thaw-args")).split("\0").map { |a| a.force_encoding(Encoding.default_external) }
  rescue Errno::ENOENT
    []
  end

  def self.take_stdio(fds)
    [STDIN, STDOUT, STDERR].zip(fds) do |stream, io|
      stream.reopen(io)
      io.close
    end
    $stdin, $stdout, $stderr = STDIN, STDOUT, STDERR
    STDERR.sync = true
  end

  # The frames of the program: those above the runner's own (the eval that started it).
  def self.program_frames(error)
    (error.backtrace || []).take_while { |frame| !frame.start_with?("#{RUNNER_FILE}:") }
  end

  # What `ruby main.rb` prints for an uncaught error: a syntax error in the file as its
  # bare message, anything else with the program's part of the backtrace.
  def self.report_error(error)
    frames = program_frames(error)
    if error.is_a?(SyntaxError) && frames.empty?
      STDERR.write(error.message.end_with?("\n") ? error.message : "#{error.message}\n")
    else
      error.set_backtrace(frames)
      STDERR.write(error.full_message(highlight: false, order: :top))
    end
  end

  # The exit status Ruby gives a process ending with `error` in flight ($! in at_exit).
  def self.exit_status(error)
    return 0 if error.nil?
    return error.status if error.is_a?(SystemExit)
    report_error(error)
    1
  end

  # Registered before the program runs, so it runs after the program's own at_exit blocks,
  # as Ruby's exit would end: prints an uncaught error, flushes, and ends the process at once.
  # In mode "here" it first tells the agent the status: the exit itself (freeing the
  # interpreter's memory) is slow under TCG and the answer need not wait for it. A process
  # the program forked is not the program: it stays silent.
  def self.finish(program_pid, here)
    status = exit_status($!)
    [$stdout, $stderr, STDOUT, STDERR].each { |io| io.flush rescue nil }
    if here && Process.pid == program_pid
      [STDIN, STDOUT, STDERR].each { |io| io.close rescue nil }
      CHANNEL.write("EXIT #{(status & 0xFF) << 8}\n") rescue nil
    end
    exit!(status)
  end

  # The __END__ section of the file, as Ruby opens it for a script.
  def self.define_data(path, code)
    mark = END_MARK.match(code) or return
    data = File.open(path)
    data.seek(mark.end(0))
    Object.const_set(:DATA, data)
  end

  # Takes the program's descriptors as 0, 1, 2 and runs it as `ruby main.rb` would; the
  # process ends in finish, never returns.
  def self.become_program(fds, workdir, code_file, here)
    path = File.join(workdir, code_file)
    take_stdio(fds)
    Dir.chdir(workdir)
    ENV.replace(read_env(workdir))
    ARGV.replace(read_args(workdir))
    $0 = path
    Kernel.srand
    program_pid = Process.pid
    at_exit { finish(program_pid, here) }
    code = File.read(path)
    define_data(path, code)
    TOPLEVEL_BINDING.eval(code, path, 1)
    exit
  end

  def self.run_here(fds, workdir, code_file)
    CHANNEL.write("PID #{Process.pid}\n")
    become_program(fds, workdir, code_file, true)
  end

  def self.run_forked(fds, workdir, code_file)
    pid = fork do
      Process.setsid # its own process group: a timeout kills it and all it started
      CHANNEL.close
      become_program(fds, workdir, code_file, false)
    end
    fds.each(&:close)
    CHANNEL.write("PID #{pid}\n")
    _, status = Process.wait2(pid)
    CHANNEL.write("EXIT #{status.to_i}\n")
  end

  def self.serve(message, fds)
    fields = message.split("\0", -1)
    unless fields.size == 5 && fields[0] == "RUN" && %w[fork here].include?(fields[3]) && fds.size == 3
      fds.each(&:close)
      CHANNEL.write("ERROR malformed request from the agent\n")
      return
    end
    fields[3] == "here" ? run_here(fds, fields[1], fields[2]) : run_forked(fds, fields[1], fields[2])
  end

  def self.main
    CHANNEL.close_on_exec = true # programs run in place must not pass it on
    CHANNEL.sync = true
    warm_up
    CHANNEL.write("READY\n")
    loop do
      message, _, _, rights = CHANNEL.recvmsg(4096, 0, nil, scm_rights: true)
      return if message.nil? || message.empty? # the agent is gone
      serve(message, rights ? rights.unix_rights : [])
    end
  end
end

ThawRunner.main
