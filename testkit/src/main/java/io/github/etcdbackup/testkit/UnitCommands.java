package io.github.etcdbackup.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * Reaching into units: {@code juju ssh} (stdout streamed byte for byte through the ssh fault switches, the remote
 * exit code passed through), {@code juju exec} / 2.9 {@code juju run --unit}, and {@code juju scp} in both
 * directions. Only etcd units have a machine behind them.
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
        boolean pty = args.flag("pty").map(Boolean::parseBoolean).orElse(false);
        FaultyStream stdout = new FaultyStream(call.stdout(), faults.takeSshCut(), faults.takeSshFlip(),
                faults.slowOutputBytesPerSecond(), pty);
        StringBuilder stderr = new StringBuilder();
        int code = UnitShell.run(unit.get().etcd(), String.join(" ", remote), stdout, stderr);
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
        int code = UnitShell.run(unit.get().etcd(), String.join(" ", command), call.stdout(), stderr);
        call.err(stderr.toString());
        call.exit(code);
    }

    void scp(Call call, CliArgs args) {
        List<String> words = args.positionals().stream().filter(w -> !w.startsWith("-")).toList();
        if (words.size() != 2) {
            throw new CliArgs.UsageException("the simulator copies exactly one source to one destination");
        }
        String source = words.get(0);
        String destination = words.get(1);
        try {
            if (isRemote(source)) {
                Optional<RemotePath> remote = remote(call, source);
                if (remote.isEmpty()) {
                    return;
                }
                if (!Files.isRegularFile(remote.get().host())) {
                    call.error("exit status 1 (scp: " + remote.get().path() + ": No such file or directory)");
                    return;
                }
                Path target = call.local(destination);
                if (Files.isDirectory(target)) {
                    target = target.resolve(remote.get().host().getFileName().toString());
                }
                Files.copy(remote.get().host(), target, StandardCopyOption.REPLACE_EXISTING);
            } else if (isRemote(destination)) {
                Optional<RemotePath> remote = remote(call, destination);
                if (remote.isEmpty()) {
                    return;
                }
                Path local = call.local(source);
                if (!Files.isRegularFile(local)) {
                    call.error("exit status 1 (" + source + ": No such file or directory)");
                    return;
                }
                Path target = remote.get().host();
                if (Files.isDirectory(target)) {
                    target = target.resolve(local.getFileName().toString());
                }
                Files.copy(local, target, StandardCopyOption.REPLACE_EXISTING);
            } else {
                throw new CliArgs.UsageException("at least one of source and destination must be a unit");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isRemote(String spec) {
        int colon = spec.indexOf(':');
        return colon > 0 && !spec.substring(0, colon).contains(".") || spec.matches("[a-z][a-z0-9-]*/[0-9a-z]+:.*");
    }

    private record RemotePath(String path, Path host) {
    }

    private Optional<RemotePath> remote(Call call, String spec) {
        String target = spec.substring(0, spec.indexOf(':'));
        String path = spec.substring(spec.indexOf(':') + 1);
        if (!path.startsWith("/")) {
            path = "/home/ubuntu/" + path;
        }
        String unitPath = path;
        return sshTarget(call, target).map(u -> new RemotePath(unitPath, u.etcd().hostPath(unitPath)));
    }
}
