package io.github.etcdbackup.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reaching into units: {@code juju ssh} (stdout streamed byte for byte through the ssh fault switches, the remote
 * exit code passed through, sudo refusing when the unit wants a password), {@code juju exec} / 2.9
 * {@code juju run --unit}, and {@code juju scp} in both directions. Only etcd units have a machine behind them.
 */
final class UnitCommands {
    private final SimModel model;

    UnitCommands(SimModel model) {
        this.model = model;
    }

    private Optional<ModelUnit> sshTarget(Call call, String target) {
        Optional<ModelUnit> unit = target.matches("[0-9]+")
                ? model.applications().stream().flatMap(a -> a.units().stream())
                        .filter(u -> String.valueOf(u.machine()).equals(target)).findFirst()
                : model.unit(target);
        if (unit.isEmpty()) {
            call.error("unit \"" + target + "\" not found");
        } else if (!unit.get().isEtcd()) {
            call.error("the simulator can only reach etcd units, not " + unit.get().name());
            return Optional.empty();
        }
        return unit;
    }

    /**
     * Whether this {@code juju ssh} runs as Juju's does, one OpenSSH process whose stdout and stderr go straight to
     * the caller ({@link JujuSimulator#sshThrough} set, no stream fault armed, no forced pty): then the client
     * replaces itself with {@code ssh} and no byte passes through the simulator. Decided before the call runs.
     */
    boolean sshGoesStraight(List<String> argv) {
        if (argv.isEmpty() || !argv.get(0).equals("ssh") || model.sshRoute().isEmpty()
                || model.faults().sshStreamFaultArmed()) {
            return false;
        }
        try {
            return !forcesPty(CliArgs.parse(argv));
        } catch (CliArgs.UsageException e) {
            return false;
        }
    }

    /** {@code --pty=true}: OpenSSH then gives the command a terminal, which turns {@code \n} into {@code \r\n}. */
    private static boolean forcesPty(CliArgs args) {
        return args.flag("pty").map(Boolean::parseBoolean).orElse(false);
    }

    void ssh(Call call, CliArgs args) {
        List<String> words = args.positionals();
        if (words.isEmpty()) {
            throw new CliArgs.UsageException("no target name specified");
        }
        Optional<ModelUnit> unit = sshTarget(call, words.get(0));
        if (unit.isEmpty()) {
            return;
        }
        List<String> remote = words.subList(1, words.size());
        if (!remote.isEmpty() && remote.get(0).equals("--")) {
            remote = remote.subList(1, remote.size());
        }
        if (remote.isEmpty()) {
            call.error("the simulator does not offer interactive shells; pass a command");
            return;
        }
        Faults faults = model.faults();
        if (call.mayExec()) {
            call.exec(UnitShell.sshCommand(unit.get().etcd(), String.join(" ", remote), faults.sudoRequiresPassword(),
                    model.sshRoute().orElseThrow(() -> new IllegalStateException("sshThrough was switched off"))));
            return;
        }
        FaultyStream stdout = new FaultyStream(call.stdout(), faults.takeSshCut(), faults.takeSshFlip(),
                faults.slowOutputBytesPerSecond(), forcesPty(args));
        StringBuilder stderr = new StringBuilder();
        int code = UnitShell.run(unit.get().etcd(), String.join(" ", remote), stdout, stderr,
                faults.sudoRequiresPassword(), model.sshRoute(), call.stdin());
        call.err(stderr.toString());
        call.exit(code);
    }

    void exec(Call call, CliArgs args, List<String> unitNames, List<String> command) {
        if (unitNames.size() != 1 || command.isEmpty()) {
            throw new CliArgs.UsageException("the simulator runs exec on exactly one --unit with a command");
        }
        Optional<ModelUnit> unit = sshTarget(call, unitNames.get(0));
        if (unit.isEmpty()) {
            return;
        }
        StringBuilder stderr = new StringBuilder();
        // exec runs as root on the unit: sudo never asks root for a password.
        int code = UnitShell.run(unit.get().etcd(), String.join(" ", command), call.stdout(), stderr, false,
                Optional.empty(), Optional.empty());
        call.err(stderr.toString());
        call.exit(code);
    }

    /**
     * {@code juju scp [-m MODEL] [--] [SCP OPTIONS] SOURCE DESTINATION}, one side a unit, played as Juju runs a
     * local OpenSSH 9 {@code scp}: SFTP by default, the legacy protocol with {@code -O}. Under the legacy protocol the
     * remote path goes through the unit's shell (so it may be quoted) and the received name must match the requested
     * one unless {@code -T}. A download writes into the destination as scp's sink does: opened O_WRONLY|O_CREAT, so
     * a FIFO stays a FIFO and is read as the bytes arrive; SFTP mode cannot write a FIFO (it seeks before every
     * write). Errors are Juju's {@code ERROR exit status 1 (<scp's stderr>)}.
     */
    void scp(Call call, CliArgs args) {
        ScpArgs scp = ScpArgs.parse(args);
        if (isRemote(scp.source()) && !isRemote(scp.destination())) {
            download(call, scp);
        } else if (isRemote(scp.destination())) {
            upload(call, scp);
        } else {
            throw new CliArgs.UsageException("at least one of source and destination must be a unit");
        }
    }

    /** Whether this {@code scp} command line copies from a unit to the client. */
    static boolean downloads(CliArgs args) {
        ScpArgs scp = ScpArgs.parse(args);
        return isRemote(scp.source()) && !isRemote(scp.destination());
    }

    private void download(Call call, ScpArgs scp) {
        Optional<RemotePath> remote = remote(call, scp.source(), scp);
        if (remote.isEmpty()) {
            return;
        }
        Path source = remote.get().host();
        if (Files.isDirectory(source)) {
            call.error("exit status 1 (scp: " + remote.get().path() + ": not a regular file)");
            return;
        }
        if (!Files.isRegularFile(source)) {
            call.error("exit status 1 (scp: " + remote.get().path() + ": No such file or directory)");
            return;
        }
        if (scp.legacy() && scp.strictNames() && !remote.get().requestedName().equals(source.getFileName().toString())) {
            // OpenSSH's sink matches the name the unit sends against the last component of the path as typed.
            call.error("exit status 1 (protocol error: filename does not match request)");
            return;
        }
        Path target = call.local(scp.destination());
        if (Files.isDirectory(target)) {
            target = target.resolve(source.getFileName().toString());
        }
        if (!Files.isDirectory(target.getParent())) {
            call.error("exit status 1 (" + target + ": No such file or directory)");
            return;
        }
        try {
            if (!scp.legacy() && Files.exists(target)
                    && Files.readAttributes(target, BasicFileAttributes.class).isOther()) {
                // What OpenSSH 9.2's SFTP client prints for a FIFO: it truncates and seeks before writing.
                call.copyInto(target).flush();
                call.error("exit status 1 (scp: local ftruncate \"" + target + "\": Invalid argument\n"
                        + "scp: write local \"" + target + "\": Illegal seek)");
                return;
            }
            Faults faults = model.faults();
            OutputStream out = new FaultyStream(call.copyInto(target), faults.takeScpCut(), -1,
                    faults.slowOutputBytesPerSecond(), false);
            try (InputStream in = Files.newInputStream(source)) {
                Relay.copy(in, out);
                out.flush();
            } catch (FaultyStream.ConnectionCut cut) {
                call.error("exit status 1 (Broken pipe)");
            }
        } catch (IOException clientGone) {
            throw new UncheckedIOException(clientGone);
        }
    }

    private void upload(Call call, ScpArgs scp) {
        Optional<RemotePath> remote = remote(call, scp.destination(), scp);
        if (remote.isEmpty()) {
            return;
        }
        Path local = call.local(scp.source());
        if (!Files.isRegularFile(local)) {
            call.error("exit status 1 (" + scp.source() + ": No such file or directory)");
            return;
        }
        Path target = remote.get().host();
        if (Files.isDirectory(target)) {
            target = target.resolve(local.getFileName().toString());
        }
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             InputStream in = Files.newInputStream(local)) {
            long size = in.transferTo(Channels.newOutputStream(out));
            if (Files.isRegularFile(target)) {
                out.truncate(size);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The words of an scp command line: options (after {@code --}, where Juju passes them on to scp) and exactly
     * one source and one destination.
     */
    private record ScpArgs(boolean legacy, boolean strictNames, String source, String destination) {
        /** scp's options that take a value (OpenSSH 9 getopt string). */
        private static final String WITH_VALUE = "cDFiJlMoPSX";

        static ScpArgs parse(CliArgs args) {
            List<String> words = args.positionals();
            List<String> paths = new ArrayList<>();
            boolean legacy = false;
            boolean strictNames = true;
            for (int i = 0; i < words.size(); i++) {
                String word = words.get(i);
                if (!word.startsWith("-") || word.equals("-")) {
                    paths.add(word);
                    continue;
                }
                for (int j = 1; j < word.length(); j++) {
                    char option = word.charAt(j);
                    legacy |= option == 'O';
                    strictNames &= option != 'T';
                    if (WITH_VALUE.indexOf(option) >= 0) {
                        i += j == word.length() - 1 ? 1 : 0;
                        break;
                    }
                }
            }
            if (paths.size() != 2) {
                throw new CliArgs.UsageException("the simulator copies exactly one source to one destination");
            }
            return new ScpArgs(legacy, strictNames, paths.get(0), paths.get(1));
        }
    }

    private static boolean isRemote(String spec) {
        int colon = spec.indexOf(':');
        return colon > 0 && !spec.substring(0, colon).contains(".") || spec.matches("[a-z][a-z0-9-]*/[0-9a-z]+:.*");
    }

    /**
     * A unit path as scp reaches it: {@code path} is what the unit's file system sees, {@code requestedName} the last
     * component as typed (quotes included), which is what OpenSSH's sink compares names against.
     */
    private record RemotePath(String path, String requestedName, Path host) {
    }

    private Optional<RemotePath> remote(Call call, String spec, ScpArgs scp) {
        String target = spec.substring(0, spec.indexOf(':'));
        String typed = spec.substring(spec.indexOf(':') + 1);
        String path = typed;
        if (scp.legacy()) {
            Optional<String> word = ShellWord.unquote(typed);
            if (word.isEmpty()) {
                call.error("exit status 1 (the simulator's unit shell reads one plainly quoted word, not " + typed + ")");
                return Optional.empty();
            }
            path = word.get();
        }
        if (!path.startsWith("/")) {
            path = "/home/ubuntu/" + path;
        }
        String unitPath = path;
        String requestedName = typed.substring(typed.lastIndexOf('/') + 1);
        return sshTarget(call, target).map(u -> new RemotePath(unitPath, requestedName, u.etcd().hostPath(unitPath)));
    }
}
