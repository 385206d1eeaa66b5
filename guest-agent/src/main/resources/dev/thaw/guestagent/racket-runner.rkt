#lang racket/base
;; Thaw's resident Racket runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the
;; kept-stdio kind, built like node-runner.js: the agent starts it with stdin, stdout and stderr
;; on pipes it keeps, and it serves one program, the guest's last (mode "here"), by becoming it.
;; Mode "warm" (a pooled sandbox's warm-up) goes through the warm-up again in this process:
;; Racket CS's code lives in each process's own heap, so a warm-up in another racket process
;; leaves nothing translated here for the program.
;;
;; The program runs as `racket main.rkt` runs a file: its configure-runtime submodule, the
;; module itself required at the top level, then its main submodule, each under a prompt so
;; that an uncaught error is printed by the error display handler and the exit status is 1.
;; `exit` ends the process (the agent then takes the exit status).
(require ffi/unsafe/port
         (only-in racket/os getpid))

(define-values (channel-in channel-out) (unsafe-file-descriptor->port 3 'thaw-channel '(read write)))

(define (tell-agent line)
  (write-string (string-append line "\n") channel-out)
  (flush-output channel-out))

;; One RUN message: its fields (RUN, workdir, code file, mode), or #f if the agent is gone.
(define (read-request)
  (define buffer (make-bytes 4096))
  (let loop ([message #""])
    (define fields (regexp-split #rx#"\0" message))
    (if (> (length fields) 4)
        (for/list ([field fields] [_ 4]) (bytes->string/utf-8 field #\uFFFD))
        (let ([got (read-bytes-avail! buffer channel-in)])
          (if (eof-object? got) #f (loop (bytes-append message (subbytes buffer 0 got))))))))

;; NUL-separated entries of a file the agent wrote in the working directory; none if absent.
(define (read-entries file)
  (if (file-exists? file)
      (let* ([text (call-with-input-file file (lambda (in) (read-bytes (file-size file) in)))]
             [fields (regexp-split #rx"\0" (bytes->string/utf-8 text #\uFFFD))])
        (reverse (cdr (reverse fields))))
      '()))

;; The program's whole environment (.thaw-env), in place of the runner's.
(define (take-environment workdir)
  (define env (current-environment-variables))
  (for ([name (environment-variables-names env)])
    (environment-variables-set! env name #f))
  (for ([entry (read-entries (build-path workdir ".thaw-env"))])
    (define parts (regexp-match #rx"^([^=]+)=(.*)$" entry))
    (when parts
      (environment-variables-set! env (string->bytes/utf-8 (cadr parts)) (string->bytes/utf-8 (caddr parts))))))

;; random from a fresh seed: clones of one snapshot must not share the generator.
(define (reseed)
  (define bytes (call-with-input-file "/dev/urandom" (lambda (in) (read-bytes 24 in))))
  (define (word i limit) (+ 1 (modulo (integer-bytes->integer bytes #f #f (* 4 i) (* 4 (+ i 1))) limit)))
  (current-pseudo-random-generator
   (vector->pseudo-random-generator
    (vector (word 0 4294967086) (word 1 4294967086) (word 2 4294967086)
            (word 3 4294944442) (word 4 4294944442) (word 5 4294944442)))))

;; Runs one step of the program; #f if an uncaught error ended it (already printed).
(define (step thunk)
  (call-with-continuation-prompt
   (lambda () (thunk) #t)
   (default-continuation-prompt-tag)
   (lambda _ #f)))

;; What `racket file` does with a file: its status as a wait status would give it (0 or 1).
(define (run-module file)
  (define path (path->complete-path (string->path file)))
  (define (submodule name) `(submod ,path ,name))
  (define ok
    (and (step (lambda ()
                 (when (module-declared? (submodule 'configure-runtime) #t)
                   (dynamic-require (submodule 'configure-runtime) #f))))
         (step (lambda () (namespace-require path)))
         (step (lambda ()
                 (when (module-declared? (submodule 'main) #t)
                   (dynamic-require (submodule 'main) #f))))))
  (if ok 0 1))

;; The error display handler without the context lines of the runner's own frames, which
;; `racket main.rkt` would not have.
(define runner-source
  (let-values ([(dir name _) (split-path (variable-reference->module-source (#%variable-reference)))])
    (regexp-quote (path->string name))))

(define (hide-runner-frames display)
  (lambda (message exn)
    (define text (open-output-string))
    (parameterize ([current-error-port text]) (display message exn))
    (for ([line (regexp-split #rx"(?<=\n)" (get-output-string text))]
          #:unless (regexp-match? runner-source line))
      (write-string line (current-error-port)))))

;; The end of a program that did not call exit: output flushed, the answer to the agent before
;; the process's own end (freeing the heap is slow under TCG).
(define (end-program status)
  (plumber-flush-all (current-plumber))
  (tell-agent (format "EXIT ~a" (* 256 status)))
  (exit status))

(define (run-here workdir code-file)
  (tell-agent (format "PID ~a" (getpid)))
  (current-directory workdir)
  (take-environment workdir)
  (reseed)
  (error-display-handler (hide-runner-frames (error-display-handler)))
  (current-command-line-arguments (list->vector (read-entries (build-path workdir ".thaw-args"))))
  (end-program (run-module (path->string (build-path workdir code-file)))))

;; Goes once through what programs do (expand, compile and run a module in racket/base, print,
;; format an error; not `#lang racket`, whose loading would take much of the agent's 60 s for
;; READY under TCG) so that what that path loads is already in the snapshot.
;; What it prints goes to the kept pipes, where the agent drops it.
;; Each warm-up has a directory of its own: a module already declared from the same path
;; would not be expanded and compiled again.
(define warm-ups 0)
(define (warm-up)
  (set! warm-ups (add1 warm-ups))
  (define dir (build-path (find-system-path 'temp-dir) (format "thaw-warm-up-~a-~a" (getpid) warm-ups)))
  (make-directory dir)
  (define (warm-up-file name source)
    (define file (build-path dir name))
    (call-with-output-file file (lambda (out) (write-string source out)))
    (run-module (path->string file)))
  (warm-up-file "base.rkt" "#lang racket/base\n(displayln (format \"warm-up ~a\" (+ 1 2)))\n(read-line (open-input-string \"x\"))\n")
  (warm-up-file "error.rkt" "#lang racket/base\n(error 'warm-up \"x\")\n")
  (for ([f (directory-list dir #:build? #t)]) (delete-file f))
  (delete-directory dir)
  (plumber-flush-all (current-plumber))
  (collect-garbage 'major))

(define (serve)
  (define request (read-request))
  (cond
    [(not request) (exit 0)] ; the agent is gone
    [(and (equal? (car request) "RUN") (equal? (cadddr request) "here"))
     (run-here (cadr request) (caddr request))]
    [(and (equal? (car request) "RUN") (equal? (cadddr request) "warm"))
     (warm-up)
     (tell-agent "EXIT 0")
     (serve)]
    [else
     (tell-agent "ERROR this runner keeps its stdio and serves only modes here (a last RUN) and warm")
     (serve)]))

(module+ main
  (parameterize ([current-namespace (make-base-empty-namespace)])
    (warm-up)
    (tell-agent "READY")
    (serve)))
