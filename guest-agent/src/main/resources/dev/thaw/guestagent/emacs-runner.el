;;; emacs-runner.el --- Thaw's resident Emacs Lisp runner  -*- lexical-binding: t -*-

;; The resident runner of agent-protocol/PROTOCOL.md ("Resident runner"), of the kept-stdio
;; kind, built like node-runner.js: the agent starts it (`emacs -Q --batch --script
;; emacs-runner.el`) with stdin, stdout and stderr on pipes it keeps, and it serves one program,
;; the guest's last (mode "here"), by becoming it.
;;
;; The program is loaded as --script loads a file, from inside this file's own --script load,
;; so Emacs's top level reports an uncaught error as it would the program's (status 255) and
;; ends batch Emacs with status 0 after it; kill-emacs ends it too. The agent takes that exit
;; status: the runner sends no EXIT line.
;;
;; Emacs cannot open a descriptor it did not open itself, so the channel (fd 3) is reached
;; through two `cat' processes, which inherit it; both are gone before the program starts.

(defvar thaw-runner--request "" "What the agent has sent so far.")

(defun thaw-runner--cat (name redirect &optional filter)
  "A `cat' process NAME with the channel under REDIRECT, output to FILTER."
  (make-process :name name :command (list "/bin/sh" "-c" (concat "exec cat " redirect))
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
  "Answers the RUN, closes the channel's processes and gives Emacs the program's working
directory, environment, arguments and a fresh random seed; returns the program's file."
  (thaw-runner--tell-agent writer (format "PID %d" (emacs-pid)))
  (delete-process reader)
  (process-send-eof writer)
  (while (process-live-p writer) (accept-process-output writer 1))
  (delete-process writer)
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

(defun thaw-runner--serve ()
  "Waits for the RUN of the guest's last program and takes on its state; returns its file."
  (let* ((writer (thaw-runner--cat "thaw-channel-out" ">&3"))
         (reader (thaw-runner--cat "thaw-channel-in" "<&3"
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

;;; emacs-runner.el ends here
