;;; Thaw's resident Guile runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the
;;; kept-stdio kind: the agent starts it with stdin, stdout and stderr on pipes it keeps, and
;;; the runner serves one program, the guest's last (mode "here"), by becoming it, as
;;; `guile --no-auto-compile -s main.scm` would run it: loaded into guile-user from the
;;; runner's own top level, so that an uncaught error ends it the same way (message, status 1).
;;;
;;; Usage: guile --no-auto-compile -s guile-runner.scm
;;;
;;; All of the runner is one expression: it defines nothing in guile-user. It never writes
;;; EXIT; the agent takes the exit status of the process. *random-state* is left as Guile
;;; starts it (the warm-up draws nothing), so a program draws what it would under `guile`.

(load
 (let ()
   (define channel (fdopen 3 "r+"))

   (define (send line)
     (display line channel)
     (force-output channel))

   ;; Strings each followed by a NUL, as the agent writes them.
   (define (split-entries text)
     (let ((parts (string-split text #\nul)))
       (if (null? parts) '() (list-head parts (- (length parts) 1)))))

   ;; One RUN message: its fields (RUN, workdir, code file, mode), or #f if the agent is gone.
   (define (read-request)
     (let loop ((fields '()))
       (if (= (length fields) 4)
           (reverse fields)
           (let ((field ((@ (ice-9 rdelim) read-delimited) (string #\nul) channel)))
             (if (eof-object? field) #f (loop (cons field fields)))))))

   ;; NUL-separated entries of a file the agent wrote in the working directory.
   (define (read-entries workdir name)
     (let ((path (string-append workdir "/" name)))
       (if (file-exists? path)
           (split-entries (call-with-input-file path (@ (ice-9 textual-ports) get-string-all)))
           '())))

   ;; Loads what a typical program needs (display, format, string and list procedures, a line
   ;; read, an error caught) in a module of its own, so that guile-user gains no binding, then
   ;; collects the garbage so that the snapshot holds none.
   (define (warm-up)
     (let ((file (string-append (or (getenv "TMPDIR") "/tmp") "/thaw-warm-up-"
                                (number->string (getpid)) ".scm")))
       (call-with-output-file file
         (lambda (port)
           (write '(begin
                     (use-modules (ice-9 rdelim) (ice-9 format) (srfi srfi-1))
                     (display "warm-up") (newline)
                     (format #t "~a ~s ~,2f~%" (string-upcase "a") (iota 3) 3.14159)
                     (display (fold + 0 (map (lambda (x) (* x x)) '(1 2 3))) (current-error-port))
                     (read-line (open-input-string "1 2\n"))
                     (catch #t (lambda () (error "warm-up")) (lambda args args)))
                  port)))
       (save-module-excursion
        (lambda ()
          (set-current-module (make-fresh-user-module))
          (load file)))
       (delete-file file)
       ;; Out to the kept pipes, where the agent drops it, not left for the program's output.
       (force-output (current-output-port))
       (force-output (current-error-port))
       (gc)))

   ;; Sets the program up and answers the file to load.
   (define (run-here workdir code-file)
     (send (format #f "PID ~a\n" (getpid)))
     (close-port channel) ; the program inherits no channel; its end is taken from its exit
     (chdir workdir)
     (environ (read-entries workdir ".thaw-env"))
     (let ((file (string-append workdir "/" code-file)))
       (set-program-arguments (cons file (read-entries workdir ".thaw-args")))
       file))

   (warm-up)
   (send "READY\n")
   (let serve ()
     (let ((request (read-request)))
       (cond ((not request) (exit 0)) ; the agent is gone
             ((and (string=? (car request) "RUN") (string=? (cadddr request) "here"))
              (run-here (cadr request) (caddr request)))
             (else
              (send "ERROR this runner keeps its stdio and serves only mode here (a last RUN)\n")
              (serve)))))))
