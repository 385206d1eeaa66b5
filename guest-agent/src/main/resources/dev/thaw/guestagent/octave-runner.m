1; % a script file: the functions below are the runner's, its top level the program's workspace
% Thaw's resident Octave runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the
% kept-stdio kind, built like node-runner.js: the agent starts it (`octave-cli --quiet
% --no-init-file octave-runner.m`) with stdin, stdout and stderr on pipes it keeps, and it
% serves one program, the guest's last (mode "here"), by becoming it.
%
% The program is sourced at this script's top level, so it runs in the base workspace as
% `octave-cli main.m` runs it; an uncaught error is printed as Octave prints it (with the
% program's frames only) and the status is 1; `exit` ends the process, whose status the agent
% takes. Otherwise the runner answers EXIT once output is flushed: Octave's own exit (unloading
% and freeing the interpreter) is slow under TCG and the answer need not wait. argv, program_name and
% program_invocation_name, which Octave fixes at start-up, are shadowed by functions that
% answer the program's.
%
% Octave cannot open a descriptor it did not open, and its pipe streams read whole buffers,
% so the channel (fd 3) is reached through processes that inherit it: per request a perl that
% reads one message and prints its fields as lines before it exits, and a `cat` for answers.
%
% What runs between the request and the program calls only functions built into Octave or
% parsed in the snapshot: Octave parses a function file (strtok, strsplit, fullfile, index
% are such files) at its first call, which after a restore cost about 120 ms in a hello's
% 380 ms of program.

% One RUN message: its four fields, or fewer if the agent is gone.
function fields = thaw_read_request()
  reader = popen("exec perl -e '$/ = qq(\\0); for (1 .. 4) { defined($_ = <STDIN>) or last; chomp; print qq($_\\n) }' <&3", "r");
  fields = {};
  while ischar(line = fgetl(reader))
    fields{end + 1} = line;
  end
  pclose(reader);
end

function thaw_tell_agent(writer, line)
  fputs(writer, [line "\n"]);
  fflush(writer);
end

% NUL-separated entries of a file the agent wrote in the working directory; none if absent.
function entries = thaw_read_entries(file)
  entries = {};
  fid = fopen(file, "r");
  if fid < 0, return; end
  text = fread(fid, Inf, "char=>char")';
  fclose(fid);
  ends = find(text == char(0));
  entries = cell(1, numel(ends));
  from = 1;
  for k = 1:numel(ends)
    entries{k} = text(from:ends(k) - 1);
    from = ends(k) + 1;
  end
end

% The program's whole environment (.thaw-env), in place of the runner's.
function thaw_take_environment(workdir)
  for entry = thaw_read_entries("/proc/self/environ")
    eq = find(entry{1} == "=", 1);
    if eq > 1, unsetenv(entry{1}(1:eq - 1)); end
  end
  thaw_add_environment(workdir);
end

function thaw_add_environment(workdir)
  for entry = thaw_read_entries([workdir "/.thaw-env"])
    eq = find(entry{1} == "=", 1);
    if eq > 1, setenv(entry{1}(1:eq - 1), entry{1}(eq + 1:end)); end
  end
end

% The generators from fresh entropy: clones of one snapshot must not share their state.
function thaw_reseed()
  for generator = {@rand, @randn, @rande, @randg, @randp}
    generator{1}("state", "reset");
  end
end

% Functions that shadow argv, program_name and program_invocation_name, written to a directory
% of their own and put on the path without Octave's warning about it. Each keeps the value it
% was last given.
function thaw_shadow_command_line()
  dir = tempname();
  mkdir(dir);
  for name = {"argv", "program_name", "program_invocation_name"}
    fid = fopen(fullfile(dir, [name{1} ".m"]), "w");
    fprintf(fid, "function value = %s(varargin)\n  persistent kept = {};\n", name{1});
    fprintf(fid, "  if nargin, kept = varargin{1}; end\n  value = kept;\nend\n");
    fclose(fid);
  end
  warning("off", "Octave:shadowed-function");
  addpath(dir);
  warning("on", "Octave:shadowed-function");
end

% Answers the RUN and gives Octave the program's directory, environment, command line and
% random state; returns the program's file.
function file = thaw_take_program(workdir, code_file, writer)
  thaw_tell_agent(writer, sprintf("PID %d", getpid()));
  cd(workdir);
  thaw_take_environment(workdir);
  file = [workdir "/" code_file];
  argv(thaw_read_entries([workdir "/.thaw-args"])(:));
  program_name(code_file);
  program_invocation_name(code_file);
  thaw_reseed();
end

% The answer to the agent at the program's end, after its output.
function thaw_report_end(writer, status)
  fflush(stdout);
  fflush(stderr);
  thaw_tell_agent(writer, sprintf("EXIT %d", status * 256));
end

% An uncaught error as octave-cli prints it for a script, with the program's frames only.
function thaw_report_error(err)
  fprintf(stderr, "error: %s\n", err.message);
  frames = err.stack(! strncmp({err.stack.name}, "thaw_", 5) & cellfun(@isempty, strfind({err.stack.name}, "octave-runner")));
  if ! isempty(frames)
    fprintf(stderr, "error: called from\n");
    for frame = frames'
      fprintf(stderr, "    %s at line %d column %d\n", frame.name, frame.line, frame.column);
    end
  end
  % What Octave 7.3's exit adds after an error, which comes after the runner's EXIT otherwise.
  fprintf(stderr, "error: ignoring const execution_exception& while preparing to exit\n");
  fflush(stderr);
end

% Goes once through what programs do (source a script, print, format, signal and catch an
% error) so that what that path loads is in the snapshot, then through the runner's own
% set-up (an environment file, the command-line shadows) so that their files are parsed
% there too. What it prints goes to the kept pipes, where the agent drops it.
function thaw_warm_up()
  dir = tempname();
  mkdir(dir);
  file = fullfile(dir, "warm_up.m");
  fid = fopen(file, "w");
  fputs(fid, "x = [1 2; 3 4] * 2; printf('warm-up %d %s\\n', sum(x(:)), num2str(pi));\n");
  fputs(fid, "disp(sprintf('%5.2f', mean(x(:)))); s = strtrim(' a '); fprintf(stderr, 'warm-up\\n');\n");
  fputs(fid, "try, error('warm-up %d', 1); catch e, e.message; end\n");
  fclose(fid);
  source(file);
  delete(file);
  fid = fopen([dir "/.thaw-env"], "w");
  fprintf(fid, "THAW_WARM_UP=1%c", 0);
  fclose(fid);
  thaw_add_environment(dir);
  unsetenv("THAW_WARM_UP");
  argv(); program_name(); program_invocation_name();
  delete([dir "/.thaw-env"]);
  rmdir(dir);
  fflush(stdout); fflush(stderr);
end

thaw_shadow_command_line();
thaw_warm_up();
thaw_writer = popen("exec cat >&3", "w");
thaw_tell_agent(thaw_writer, "READY");
while true
  thaw_request = thaw_read_request();
  if numel(thaw_request) < 4, exit(0); end % the agent is gone
  if strcmp(thaw_request{1}, "RUN") && strcmp(thaw_request{4}, "here"), break; end
  thaw_tell_agent(thaw_writer, "ERROR this runner keeps its stdio and serves only mode here (a last RUN)");
end
thaw_file = thaw_take_program(thaw_request{2}, thaw_request{3}, thaw_writer);
clear thaw_request;
try
  source(thaw_file);
catch thaw_error
  thaw_report_error(thaw_error);
  thaw_report_end(thaw_writer, 1);
  exit(1);
end
thaw_report_end(thaw_writer, 0);
% The end of this script ends Octave with status 0, as the end of a plain script does.
