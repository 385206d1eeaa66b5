;;; emacs-runner.el --- Thaw's resident Emacs Lisp runner  -*- lexical-binding: t -*-

;; The resident runner of agent-protocol/PROTOCOL.md ("Resident runner"), of the kept-stdio
;; kind, built like node-runner.js: the agent starts it (`emacs -Q --batch --script
;; emacs-runner.el`) with stdin, stdout and stderr on pipes it keeps, and it serves one program,
;; the guest's last (mode "here"), by becoming it.
;;
;; The program is loaded as --script loads a file, from inside this file's own --script load,
;; so Emacs's top level reports an uncaught error as it would the program's (status 255).
;; When the load returns, batch Emacs would end with status 0; the runner flushes stdout and
;; stderr and answers EXIT 0 first, which spares the run Emacs's own exit (libraries' exit
;; handlers and the kernel freeing its memory: 150-170 ms after a restore under TCG). It leaves the end to
;; Emacs's exit status where something still runs at that exit (functions on
;; kill-emacs-hook, kill-emacs advised or redefined), and when the program ends Emacs itself
;; (kill-emacs, an uncaught error).
;;
;; Emacs cannot open a descriptor it did not open itself, so the channel (fd 3) is reached
;; through two `cat' processes, which inherit it. They stay while the program runs, since
;; ending them costs the run as much again; so the program's process-list holds them. The
;; writer ignores the SIGHUP Emacs sends its processes as it exits, so that EXIT still passes.

(defvar thaw-runner--request "" "What the agent has sent so far.")

(defvar thaw-runner--writer nil "The `cat' that writes to the channel.")

(defvar thaw-runner--kill-emacs (symbol-function 'kill-emacs)
  "kill-emacs as Emacs defines it, to tell whether the program advised or redefined it.")

(defun thaw-runner--cat (name command &optional filter)
  "A process NAME running the shell COMMAND, a `cat' on the channel, output to FILTER."
  (make-process :name name :command (list "/bin/sh" "-c" command)
                :connection-type 'pipe :noquery t :coding 'binary :filter filter))

(defun thaw-runner--read-request (reader)
  "One RUN message from READER: its fields (RUN, workdir, code file, mode), or nil at end."
  (while (and (< (cl-count 0 thaw-runner--request) 4) (process-live-p reader))
    (accept-process-output reader 1))
  (when (>= (cl-count 0 thaw-runner--request) 4)
    (mapcar (lambda (field) (decode-coding-string field 'utf-8))
            (seq-take (split-string thaw-runner--request "\0") 4))))

(defun thaw-runner--tell-agent (writer line)
  (process-send-string writer (concat line "\n")))

(defun thaw-runner--entries (file)
  "NUL-separated entries of FILE, which the agent wrote; none if it is absent."
  (when (file-exists-p file)
    (with-temp-buffer
      (insert-file-contents file)
      (butlast (split-string (buffer-string) "\0")))))

(defun thaw-runner--take-program (workdir code-file writer reader)
  "Answers the RUN, stops reading the channel and gives Emacs the program's working
directory, environment, arguments and a fresh random seed; returns the program's file."
  (thaw-runner--tell-agent writer (format "PID %d" (emacs-pid)))
  (set-process-filter reader #'ignore)
  (let ((file (expand-file-name code-file workdir))
        (args (thaw-runner--entries (expand-file-name ".thaw-args" workdir))))
    (setq default-directory (file-name-as-directory workdir)
          process-environment (thaw-runner--entries (expand-file-name ".thaw-env" workdir))
          initial-environment process-environment
          command-line-args (append (list "emacs" "-scriptload" file) args)
          command-line-args-left args)
    (random t)
    file))

(defun thaw-runner--warm-up ()
  "Goes once through what programs do (load a file, print, format, signal and catch an
error) so that what that path loads is already in the snapshot. What it prints goes to the
kept pipes, where the agent drops it."
  (let ((file (make-temp-file "thaw-warm-up-" nil ".el")))
    (with-temp-file file
      ;; Printed to a string: batch Emacs cannot flush its stdout before the program's.
      (insert "(with-output-to-string (princ (format \"warm-up %s %d\\n\" (upcase \"a\") (+ 1 2))))\n"
              "(message \"%s\" (mapconcat #'identity (split-string \"a b\") \",\"))\n"
              "(condition-case e (car 1) (error (error-message-string e)))\n"))
    (load file nil t t)
    (delete-file file))
  (garbage-collect))

(defun thaw-runner--report-end ()
  "Answers EXIT 0 for a program whose load returned, once its output is written, unless
something still runs at Emacs's exit. set-binary-mode flushes the stream it is given."
  (when (and (null kill-emacs-hook)
             (eq (symbol-function 'kill-emacs) thaw-runner--kill-emacs)
             (process-live-p thaw-runner--writer))
    (set-binary-mode 'stdout nil)
    (set-binary-mode 'stderr nil)
    (thaw-runner--tell-agent thaw-runner--writer "EXIT 0")))

(defun thaw-runner--serve ()
  "Waits for the RUN of the guest's last program and takes on its state; returns its file."
  (let* ((writer (setq thaw-runner--writer (thaw-runner--cat "thaw-channel-out" "trap '' HUP; exec cat >&3")))
         (reader (thaw-runner--cat "thaw-channel-in" "exec cat <&3"
                                   (lambda (_ out) (setq thaw-runner--request (concat thaw-runner--request out))))))
    (thaw-runner--warm-up)
    (thaw-runner--tell-agent writer "READY")
    (catch 'file
      (while t
        (pcase (thaw-runner--read-request reader)
          ('nil (kill-emacs 0))                 ; the agent is gone
          (`("RUN" ,workdir ,code-file "here")
           (throw 'file (thaw-runner--take-program workdir code-file writer reader)))
          (_ (setq thaw-runner--request "")
             (thaw-runner--tell-agent
              writer "ERROR this runner keeps its stdio and serves only mode here (a last RUN)")))))))

(require 'cl-lib)
(require 'seq)
;; At this file's top level, so that a backtrace shows few of the runner's frames.
(load (thaw-runner--serve) nil t t)
(thaw-runner--report-end)

;;; emacs-runner.el ends here
