# Thaw's resident R runner (agent-protocol/PROTOCOL.md, "Resident runner"), of the kept-stdio
# kind: the agent starts it with stdin, stdout and stderr on pipes it keeps, and the runner
# serves one program, the guest's last (mode "here"), by becoming it, as
# `Rscript --vanilla main.r` would run it.
#
# Usage: Rscript --vanilla r-runner.R
#
# The program's top-level expressions are evaluated one by one in the global environment from
# this file's last top-level expression, through .Internal(eval) alone: no closure frame of the
# runner is on the stack, so an error reads "Error in f() : ..." and "Execution halted" (status 1)
# as under Rscript; only its "Calls:" line is left out (those eval frames would show in it).
# A program that runs to its end is reported with EXIT 0; otherwise the agent takes the exit
# status of the process (quit(status = n), 1 after an error). Random numbers: R seeds
# its generator from the clock and pid on first use, as under Rscript; the warm-up leaves no
# .Random.seed in the snapshot.

.thaw <- local({
    # Variables R set at start-up (etc/Renviron: R_HOME, R_LIBS_USER, ...), which Rscript adds
    # to any environment; PATH, HOME and LANG were the agent's.
    startupEnv <- Sys.getenv()
    startupEnv <- startupEnv[!names(startupEnv) %in% c("PATH", "HOME", "LANG")]
    # R cannot open a socket it inherited (/dev/fd/3 is no file), so the channel goes through
    # helpers started with it: a cat that writes to it (until R exits), a dd that takes one
    # message from it. Both run before the snapshot; the runner forks nothing once restored.
    writer <- NULL
    reader <- NULL

    send <- function(line) {
        writeBin(charToRaw(line), writer)
        flush(writer)
    }

    # One RUN message: its fields (RUN, workdir, code file, mode), or NULL if the agent is gone.
    # The agent sends it in one write, which one read takes whole.
    readRequest <- function() {
        if (is.null(reader)) reader <<- pipe("exec dd bs=65536 count=1 status=none <&3", "rb")
        message <- readBin(reader, "raw", 65536L)
        close(reader)
        reader <<- NULL
        fields <- splitEntries(message)
        if (length(fields) < 4L) NULL else fields[1:4]
    }

    # Strings each followed by a NUL, as the agent writes them.
    splitEntries <- function(bytes) {
        ends <- which(bytes == as.raw(0L))
        starts <- c(1L, head(ends, -1L) + 1L)
        vapply(seq_along(ends), function(i) {
            if (ends[i] == starts[i]) "" else rawToChar(bytes[starts[i]:(ends[i] - 1L)])
        }, "")
    }

    # NUL-separated entries of a file the agent wrote in the working directory; none if absent.
    readEntries <- function(workdir, name) {
        path <- file.path(workdir, name)
        if (!file.exists(path)) return(character())
        splitEntries(readBin(path, "raw", file.size(path)))
    }

    # The program's whole environment (.thaw-env) plus what R itself set at start-up, and the
    # locale it names.
    takeEnvironment <- function(workdir) {
        Sys.unsetenv(names(Sys.getenv()))
        entries <- readEntries(workdir, ".thaw-env")
        eq <- regexpr("=", entries, fixed = TRUE)
        entries <- entries[eq > 1L]
        eq <- eq[eq > 1L]
        env <- c(as.list(startupEnv), setNames(as.list(substring(entries, eq + 1L)), substr(entries, 1L, eq - 1L)))
        do.call(Sys.setenv, env[!duplicated(names(env), fromLast = TRUE)])
        invisible(suppressWarnings(Sys.setlocale("LC_ALL", "")))
    }

    # commandArgs() as under `Rscript --vanilla file args...`.
    takeArguments <- function(file, args) {
        argv <- c(file.path(R.home("bin"), "exec", "R"), "--no-echo", "--no-restore", "--vanilla",
                  paste0("--file=", file), if (length(args)) c("--args", args))
        commandArgs <- function(trailingOnly = FALSE) {
            if (!trailingOnly) return(argv)
            at <- match("--args", argv, 0L)
            if (at) argv[-seq_len(at)] else character()
        }
        environment(commandArgs) <- list2env(list(argv = argv), parent = baseenv())
        unlockBinding("commandArgs", baseenv())
        assign("commandArgs", commandArgs, envir = baseenv())
        lockBinding("commandArgs", baseenv())
    }

    # Sets the program up and answers its parsed top-level expressions.
    runHere <- function(workdir, codeFile) {
        send(sprintf("PID %d\n", Sys.getpid()))
        setwd(workdir)
        file <- file.path(workdir, codeFile)
        takeArguments(file, readEntries(workdir, ".thaw-args"))
        takeEnvironment(workdir)
        parse(file, keep.source = FALSE)
    }

    # A program that ran to its end: status 0, told before the exit (R's clean-up and the
    # kernel freeing its memory are slow under TCG). Not when it left a .Last to run at exit.
    reportEnd <- function() {
        if (exists(".Last", envir = globalenv(), inherits = FALSE)) return(invisible())
        flush(stdout())
        flush(stderr())
        send("EXIT 0\n")
    }

    # Goes once through what a typical program does (print, cat, format, paste, regex, a
    # data frame, an error caught), so that the lazily loaded functions it needs are in the
    # snapshot; a full collection after, so that the snapshot holds none of its garbage.
    warmUp <- function() {
        file <- tempfile(fileext = ".r")
        writeLines(c('x <- c(3, 1, 2); cat("warm-up", sort(x), "\\n"); print(summary(x))',
                     'print(data.frame(a = 1:2, b = c("x", "y"))); message("warm-up")',
                     'cat(sprintf("%5.2f", pi), toupper(paste(strsplit("a,b", ",")[[1]], collapse = "")),',
                     '    gsub("[0-9]+", "n", "a1b22"), format(Sys.Date(), "%Y"), "\\n")',
                     'tryCatch(stop("warm-up"), error = function(e) conditionMessage(e))',
                     'lines <- readLines(textConnection("1 2\\n3")); print(as.numeric(unlist(strsplit(lines, " "))))'),
                   file)
        env <- new.env()
        for (expr in parse(file, keep.source = FALSE)) withVisible(eval(expr, env))
        unlink(file)
        if (exists(".Random.seed", envir = globalenv())) rm(".Random.seed", envir = globalenv())
        invisible(gc(full = TRUE))
    }

    # Waits for the guest's last RUN and answers the program's expressions.
    serve <- function() {
        writer <<- pipe("exec cat >&3", "wb")
        reader <<- pipe("exec dd bs=65536 count=1 status=none <&3", "rb")
        warmUp()
        send("READY\n")
        repeat {
            request <- readRequest()
            if (is.null(request)) quit(save = "no", status = 0L) # the agent is gone
            if (request[1L] == "RUN" && request[4L] == "here") return(runHere(request[2L], request[3L]))
            send("ERROR this runner keeps its stdio and serves only mode here (a last RUN)\n")
        }
    }

    # The program's top-level expressions, evaluated and printed as R's REPL does.
    loop <- quote({
        rm(".thaw", envir = globalenv())
        options(showErrorCalls = FALSE) # its "Calls:" line would name the runner's eval frames
        for (expr in exprs) {
            result <- .Internal(withVisible(.Internal(eval(expr, globalenv(), baseenv()))))
            if (result$visible) print(result$value)
        }
        reportEnd()
    })
    environment()
})
.thaw$exprs <- .thaw$serve()
.Internal(eval(.thaw$loop, .thaw, baseenv()))
