;;; Thaw's resident SBCL runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the
;;; kept-stdio kind: the agent starts it with stdin, stdout and stderr on pipes it keeps, and
;;; the runner serves one program, the guest's last (mode "here"), by becoming it through
;;; SBCL's own SB-IMPL::PROCESS-SCRIPT, the function behind `sbcl --script main.lisp`.
;;;
;;; Usage: sbcl --script sbcl-runner.lisp
;;;
;;; It writes EXIT from the last exit hook, with the status SBCL exits with (0 at the end, the
;;; code of SB-EXT:EXIT, 1 after an unhandled error); an :ABORT exit skips hooks, and the agent
;;; then takes the exit status of the process. *RANDOM-STATE* is left as SBCL starts
;;; it (the warm-up draws nothing), so a program draws what it would under `sbcl --script`.

(defpackage :thaw-runner (:use :cl))
(in-package :thaw-runner)

(defvar *channel*
  (sb-sys:make-fd-stream 3 :input t :output t :buffering :full :external-format :utf-8))
;; Kept out of the programs a program runs (F_SETFD, FD_CLOEXEC).
(sb-alien:alien-funcall
 (sb-alien:extern-alien "fcntl" (function sb-alien:int sb-alien:int sb-alien:int sb-alien:int)) 3 2 1)

(defun send (line)
  (write-string line *channel*)
  (finish-output *channel*))

(defun split-entries (text)
  "Strings each followed by a NUL, as the agent writes them."
  (loop with start = 0
        for end = (position (code-char 0) text :start start)
        while end
        collect (subseq text start end)
        do (setf start (1+ end))))

(defun read-request ()
  "One RUN message: its fields (RUN, workdir, code file, mode), or NIL if the agent is gone."
  (let ((text (make-string-output-stream)) (nuls 0))
    (loop while (< nuls 4)
          for char = (read-char *channel* nil nil)
          do (unless char (return-from read-request nil))
             (when (char= char (code-char 0)) (incf nuls))
             (write-char char text))
    (split-entries (get-output-stream-string text))))

(defun read-entries (workdir name)
  "NUL-separated entries of a file the agent wrote in the working directory; none if absent."
  (with-open-file (in (concatenate 'string workdir "/" name) :external-format :utf-8
                                                              :if-does-not-exist nil)
    (if in
        (let ((text (make-string (file-length in))))
          (split-entries (subseq text 0 (read-sequence text in))))
        '())))

(defun take-environment (workdir)
  "The program's whole environment (.thaw-env), as the C library sees it."
  (sb-alien:alien-funcall (sb-alien:extern-alien "clearenv" (function sb-alien:int)))
  (dolist (entry (read-entries workdir ".thaw-env"))
    (let ((eq (position #\= entry)))
      (when (and eq (plusp eq))
        (sb-alien:alien-funcall
         (sb-alien:extern-alien "setenv" (function sb-alien:int sb-alien:c-string sb-alien:c-string sb-alien:int))
         (subseq entry 0 eq) (subseq entry (1+ eq)) 1)))))

(defun change-directory (workdir)
  (sb-alien:alien-funcall (sb-alien:extern-alien "chdir" (function sb-alien:int sb-alien:c-string)) workdir)
  (setf *default-pathname-defaults* (pathname (concatenate 'string workdir "/"))))

(defun warm-up ()
  "Loads a file doing what a typical program does (format, strings, lists, a line read, an
error handled), so that what that needs is in the snapshot; a full collection after, so that
the snapshot holds none of its garbage. Its output goes to the kept pipes, which the agent drops."
  (let ((file (format nil "/tmp/thaw-warm-up-~d.lisp" (process-id))))
    (with-open-file (out file :direction :output :if-exists :supersede)
      (write-string "(format t \"warm-up ~a ~,2f~%\" (string-upcase \"a\") 3.14159)
(write-line (format nil \"~{~a~^,~}\" (mapcar (lambda (x) (* x x)) (list 1 2 3))))
(read-line (make-string-input-stream (format nil \"1 2~%\")))
(handler-case (error \"warm-up\") (error (e) (princ-to-string e)))
(format *error-output* \"~a~%\" (reduce #'+ (list 1 2 3)))" out))
    (let ((*package* (make-package (gensym "THAW-WARM-UP") :use '(:cl))))
      (load file :verbose nil :print nil)
      (delete-package *package*))
    (delete-file file))
  (finish-output *standard-output*)
  (finish-output *error-output*)
  (sb-ext:gc :full t))

(defun process-id ()
  (sb-alien:alien-funcall (sb-alien:extern-alien "getpid" (function sb-alien:int))))

(defun report-exit ()
  "Tells the agent the program's exit status (SBCL keeps it in *EXIT-IN-PROGRESS* while it
exits) with its output flushed: the rest of the exit (other threads, the heap) is slow under TCG."
  (finish-output *standard-output*)
  (finish-output *error-output*)
  (let ((code sb-impl::*exit-in-progress*))
    (ignore-errors (send (format nil "EXIT ~d~%" (ash (logand (if (integerp code) code 0) 255) 8))))))

(defun run-here (workdir code-file)
  "Sets the program up and runs it as `sbcl --script` would: PROCESS-SCRIPT exits at its end."
  (send (format nil "PID ~d~%" (process-id)))
  (push #'report-exit sb-ext:*exit-hooks*) ; the last hook to run: programs push theirs later
  (change-directory workdir)
  (take-environment workdir)
  (setf sb-ext:*posix-argv* (cons "sbcl" (read-entries workdir ".thaw-args")))
  (let ((*package* (find-package :cl-user)))
    (sb-impl::process-script (concatenate 'string workdir "/" code-file))))

(defun serve ()
  (warm-up)
  (send (format nil "READY~%"))
  (loop
    (let ((request (read-request)))
      (cond ((null request) (sb-ext:exit :code 0 :abort t)) ; the agent is gone
            ((and (string= (first request) "RUN") (string= (fourth request) "here"))
             (run-here (second request) (third request)))
            (t (send (format nil "ERROR this runner keeps its stdio and serves only mode here (a last RUN)~%")))))))

(serve)
