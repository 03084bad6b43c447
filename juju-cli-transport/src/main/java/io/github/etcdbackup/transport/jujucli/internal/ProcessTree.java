package io.github.etcdbackup.transport.jujucli.internal;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A {@code juju} process started in a session of its own, killed together with everything it started
 * ({@code juju ssh} starts {@code ssh}, scripts start children) and with every process that still holds its stdout
 * or stderr.
 *
 * <p>Why a session: a child that {@code juju} leaves running in the background (a daemonised helper) is re-parented
 * when {@code juju} exits, so it can no longer be found as a descendant, yet it may still hold {@code juju}'s stdout
 * or stderr and keep our readers blocked. It does stay in {@code juju}'s session, which {@code /proc} lets us find.
 *
 * <p>Why the pipes: a child that starts a session of its own ({@code setsid}, a daemon) escapes both the tree and
 * the session, and it is exactly the child that matters when it holds one of our pipes. The pipes' identities
 * ({@code pipe:[INODE]}) are read from {@code /proc/PID/fd} right after the start, and a kill also ends every process
 * started since then that holds one of them. A holder this cannot see or kill (another user's, or one started after
 * {@code juju} exited before its pipes were read) is left alone: the readers of its pipes are daemon threads that
 * callers stop waiting for at their deadline (see {@link ProcessRunner} and {@link ReadAhead}).
 *
 * <p>Linux only: without util-linux {@code setsid} or {@code /proc}, processes start as before and only the tree
 * is killed.
 */
final class ProcessTree {
    /** util-linux's, at fixed system paths: a {@code PATH} entry must not be able to substitute it. */
    private static final Optional<Path> SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid").map(Path::of)
            .filter(Files::isExecutable).findFirst().filter(setsid -> Files.isReadable(Path.of("/proc/self/stat")));
    /**
     * A kill pass finds the processes forked while the previous one ran; a process cannot fork once SIGKILL is
     * pending, so two passes normally suffice; the bound only stops a pathological loop.
     */
    private static final int MAX_KILL_PASSES = 8;
    /** Start times have clock-tick resolution; a holder is never older than {@code juju}, give or take this. */
    private static final Duration START_TIME_SLACK = Duration.ofSeconds(1);

    private final Process process;
    private final Set<String> pipes;
    private final Instant notBefore;

    private ProcessTree(Process process, Set<String> pipes, Instant notBefore) {
        this.process = process;
        this.pipes = pipes;
        this.notBefore = notBefore;
    }

    /** Remembers a process just started from {@link #command}, with the pipes it was given as stdout and stderr. */
    static ProcessTree started(Process process) {
        Instant started = process.info().startInstant().orElse(Instant.now()).minus(START_TIME_SLACK);
        Set<String> pipes = new HashSet<>();
        if (SETSID.isPresent()) {
            for (String fd : new String[] {"1", "2"}) {
                link(Path.of("/proc", Long.toString(process.pid()), "fd", fd)).filter(ProcessTree::isPipe)
                        .ifPresent(pipes::add);
            }
        }
        return new ProcessTree(process, Set.copyOf(pipes), started);
    }

    /** The process itself. */
    Process process() {
        return process;
    }

    /**
     * The command that runs {@code executable ARGV...}, through {@code setsid --wait -- EXECUTABLE ARGV...} when it
     * can. A child of the JVM is never a process group leader, so {@code setsid} calls setsid(2) and execs
     * {@code juju} in place: the process's pid is the id of its new session. {@code --wait} only matters if
     * {@code setsid} ever had to fork: it then waits for {@code juju} and returns its exit status instead of 0.
     *
     * <p>The executable is resolved here because {@code setsid} would look a bare name up on the child's
     * {@code PATH} (the JDK uses the JVM's) and would report a missing executable as exit 127 rather than as a
     * failure to start: when it is not found, the command is the executable itself, which fails to start as before.
     */
    static List<String> command(String executable, List<String> argv) {
        List<String> command = new ArrayList<>(argv.size() + 4);
        Optional<String> resolved = SETSID.isPresent() ? resolve(executable) : Optional.empty();
        if (resolved.isPresent()) {
            command.add(SETSID.get().toString());
            command.add("--wait");
            command.add("--");
            command.add(resolved.get());
        } else {
            command.add(executable);
        }
        command.addAll(argv);
        return command;
    }

    /** As the JDK does on Linux: a name with a {@code /} is a path, a bare name is looked up on the JVM's PATH. */
    private static Optional<String> resolve(String executable) {
        if (executable.contains("/")) {
            return runnable(Path.of(executable)) ? Optional.of(executable) : Optional.empty();
        }
        String path = System.getenv("PATH");
        if (path == null || executable.isEmpty()) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator, -1)) {
            // An empty entry is the working directory; "./" keeps the name a path so setsid does no lookup.
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, executable);
            if (runnable(candidate)) {
                return Optional.of(dir.isEmpty() ? "./" + executable : candidate.toString());
            }
        }
        return Optional.empty();
    }

    private static boolean runnable(Path file) {
        return Files.isRegularFile(file) && Files.isExecutable(file);
    }

    /**
     * Kills the process, its descendants and, when it was started in a session of its own, every process left in
     * that session, including children orphaned by a parent that already exited, and every process that holds its
     * stdout or stderr. The descendants are listed before the parent dies: an orphan is re-parented and could no
     * longer be found from it. Takes a scan of {@code /proc} (milliseconds); never waits for a process to die.
     */
    void kill() {
        ProcessHandle root = process.toHandle();
        // The JDK finds descendants by the parent's pid: once juju was reaped, another process may bear it, and its
        // children are not ours (juju's own, orphaned, are found as members of its session below).
        boolean rootLives = ProcessHandle.of(root.pid()).map(root::equals).orElse(false);
        List<ProcessHandle> descendants = rootLives ? root.descendants().toList() : List.of();
        root.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        if (SETSID.isPresent()) {
            long self = ProcessHandle.current().pid();
            // Linux keeps a pid from reuse while a session bears it; once it is free, a new process (another call's
            // juju, made a session leader by setsid) may bear it, and its session is not ours.
            boolean sessionIsJujus = ProcessHandle.of(root.pid()).map(root::equals).orElse(true);
            killMatching(candidate -> candidate.pid() != self
                    && (sessionIsJujus && livingMemberOf(candidate.pid(), root.pid()) || holdsAPipe(candidate)));
        }
    }

    /**
     * Kills the processes that match, in passes until none is new. Safe for a process that was started without
     * {@code setsid}: a new pid is never that of an existing session, so none matches as a session member. The
     * handles carry their start time, so a pid reused between the scan and the kill is not hit.
     */
    private void killMatching(Predicate<ProcessHandle> doomed) {
        Set<Long> killed = new HashSet<>();
        boolean foundNew = true;
        for (int pass = 0; pass < MAX_KILL_PASSES && foundNew; pass++) {
            foundNew = false;
            List<ProcessHandle> matching;
            try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
                // Only processes started since juju: the others cannot be its children, and /proc/PID/fd is costly.
                matching = all.filter(this::startedSinceJuju).filter(doomed).toList();
            }
            for (ProcessHandle process : matching) {
                if (killed.add(process.pid())) {
                    process.destroyForcibly();
                    foundNew = true;
                }
            }
        }
    }

    private boolean startedSinceJuju(ProcessHandle candidate) {
        return candidate.info().startInstant().map(start -> !start.isBefore(notBefore)).orElse(true);
    }

    /**
     * Whether the candidate holds the write end of juju's stdout or stderr pipe: only a writer keeps our reader
     * waiting. The read ends are the JVM's, and a process the JVM is spawning for another call holds them too for a
     * moment (until it closes its descriptors before its exec): a match on the pipe alone would kill that call.
     */
    private boolean holdsAPipe(ProcessHandle candidate) {
        if (pipes.isEmpty() || candidate.parent().map(ProcessHandle.current()::equals).orElse(false)) {
            return false;
        }
        Path proc = Path.of("/proc", Long.toString(candidate.pid()));
        try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
            return fds.filter(fd -> link(fd).filter(pipes::contains).isPresent())
                    .anyMatch(fd -> openForWritingOnly(proc.resolve("fdinfo").resolve(fd.getFileName())));
        } catch (IOException | UncheckedIOException gone) {
            // Exited, or another user's: not ours to kill.
            return false;
        }
    }

    /** {@code /proc/PID/fdinfo/FD} has a line {@code flags: OCTAL}; O_WRONLY is 1 in its access mode (low 2 bits). */
    private static boolean openForWritingOnly(Path fdinfo) {
        try (Stream<String> lines = Files.lines(fdinfo, StandardCharsets.ISO_8859_1)) {
            return lines.filter(line -> line.startsWith("flags:")).findFirst()
                    .map(line -> (Integer.parseInt(line.substring("flags:".length()).strip(), 8) & 3) == 1)
                    .orElse(false);
        } catch (IOException | UncheckedIOException | NumberFormatException gone) {
            return false;
        }
    }

    private static Optional<String> link(Path fd) {
        try {
            return Optional.of(Files.readSymbolicLink(fd).toString());
        } catch (IOException | UnsupportedOperationException gone) {
            return Optional.empty();
        }
    }

    private static boolean isPipe(String target) {
        return target.startsWith("pipe:[");
    }

    /** {@code /proc/PID/stat} is {@code PID (COMM) STATE PPID PGRP SESSION ...}; COMM may contain anything. */
    private static boolean livingMemberOf(long pid, long sid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
        } catch (IOException gone) {
            return false;
        }
        String[] fields = stat.substring(stat.lastIndexOf(')') + 1).trim().split(" ");
        // A zombie is dead already; it only waits to be reaped by its parent.
        return fields.length > 3 && !fields[0].equals("Z") && fields[3].equals(Long.toString(sid));
    }
}
