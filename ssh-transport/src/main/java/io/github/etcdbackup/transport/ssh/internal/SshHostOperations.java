package io.github.etcdbackup.transport.ssh.internal;

import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.internal.common.InputValidation;
import io.github.etcdbackup.internal.common.RemoteSha256;
import io.github.etcdbackup.internal.common.Shell;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.HostOperations;
import io.github.etcdbackup.transport.ssh.UnitLayout;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/** The restore steps on a unit over SSH: systemctl, an upload through {@code cat}, a restore script. */
final class SshHostOperations implements HostOperations {
    private final SshUnitOperations units;
    private final RemoteExec exec;

    SshHostOperations(SshUnitOperations units, RemoteExec exec) {
        this.units = units;
        this.exec = exec;
    }

    @Override
    public void stopService(String unit, Deadline deadline) {
        service(unit, "stop", deadline);
    }

    @Override
    public void startService(String unit, Deadline deadline) {
        service(unit, "start", deadline);
    }

    private void service(String unit, String action, Deadline deadline) {
        String known = units.knownUnit(unit);
        UnitLayout layout = units.layout(known);
        String operation = action + " " + layout.service() + " on " + known;
        ExecResult result = exec.run(known, units.shell(Scripts.service(action, layout)), deadline, operation);
        if (!result.succeeded()) {
            throw units.failure(known, operation, result, layout);
        }
    }

    @Override
    public void upload(String unit, Path localFile, String remotePath, Deadline deadline) {
        String known = units.knownUnit(unit);
        Objects.requireNonNull(localFile, "localFile");
        String path = InputValidation.remotePath(remotePath);
        String operation = "upload " + localFile.getFileName() + " to " + known + ":" + path;
        ExecResult result = exec.run(known, units.shell(Scripts.upload(path)), localFile, deadline, operation);
        if (!result.succeeded()) {
            throw units.failure(known, operation, result, units.layout(known));
        }
    }

    @Override
    public String restoreDataDir(String unit, String remoteArchive, Member member, Deadline deadline) {
        String known = units.knownUnit(unit);
        Objects.requireNonNull(member, "member");
        UnitLayout layout = units.layout(known);
        String script = Scripts.restore(layout, InputValidation.remotePath(remoteArchive),
                EtcdValues.name("member name", member.name()), EtcdValues.url("peer URL", member.peerUrl()),
                EtcdValues.initialCluster(member.initialCluster()),
                EtcdValues.name("cluster token", member.clusterToken()), member.bumpRevision());
        String operation = "restore " + remoteArchive + " on " + known;
        ExecResult result = exec.run(known, units.shell(script), deadline, operation);
        if (!result.succeeded()) {
            throw units.failure(known, operation, result, layout);
        }
        return result.stdout().lines().filter(line -> line.startsWith(Scripts.ASIDE_KEY))
                .map(line -> line.substring(Scripts.ASIDE_KEY.length()))
                .findFirst()
                .orElseThrow(() -> new OutputParseException("The restore script on " + known
                        + " did not say where the old member directory went", result.stdout(), null));
    }

    @Override
    public Optional<String> address(String unit) {
        return units.address(unit);
    }

    @Override
    public String etcdVersion(String unit, Deadline deadline) {
        String known = units.knownUnit(unit);
        UnitLayout layout = units.layout(known);
        String operation = "etcdctl version on " + known;
        ExecResult result = exec.run(known, units.shell(Scripts.version(layout)), deadline, operation);
        if (!result.succeeded()) {
            throw units.failure(known, operation, result, layout);
        }
        return result.stdout().lines().filter(line -> line.startsWith("etcdctl version:"))
                .map(line -> line.substring("etcdctl version:".length()).strip())
                .findFirst()
                .orElseThrow(() -> new OutputParseException("etcdctl on " + known + " printed no version",
                        result.stdout(), null));
    }

    @Override
    public Optional<String> sha256(String unit, String remotePath, Deadline deadline) {
        String known = units.knownUnit(unit);
        String path = InputValidation.remotePath(remotePath);
        String operation = "sha256sum " + known + ":" + path;
        ExecResult result = exec.run(known, units.shell(RemoteSha256.script(path)), deadline, operation);
        if (!result.succeeded()) {
            throw units.failure(known, operation, result, units.layout(known));
        }
        return RemoteSha256.parse(result.stdout(), "sha256sum on " + known);
    }

    /** {@code systemctl is-active}: exit 0 is active, 3 inactive; anything else (no systemd, no sudo) fails. */
    @Override
    public boolean serviceActive(String unit, Deadline deadline) {
        String known = units.knownUnit(unit);
        UnitLayout layout = units.layout(known);
        String operation = "is-active " + layout.service() + " on " + known;
        ExecResult result = exec.run(known, units.shell(Scripts.isActive(layout)), deadline, operation);
        if (result.exitCode() == 0 || result.exitCode() == 3) {
            return result.exitCode() == 0;
        }
        throw units.failure(known, operation, result, layout);
    }

    @Override
    public String serviceCommand(String unit, String action) {
        return units.command(Scripts.serviceSummary(action, units.layout(units.knownUnit(unit))));
    }

    @Override
    public String uploadCommand(String unit, Path localFile, String remotePath) {
        // The remote command in double quotes inside single ones reads well; a path that needs quoting of its own
        // gets the exact, nested quoting instead.
        String remote = Shell.quote(remotePath).equals(remotePath)
                ? "'" + units.command("sh -c \"set -C; umask 077; cat > " + remotePath + "\"") + "'"
                : Shell.quote(units.shell(Scripts.upload(remotePath)));
        return units.sshPrefix(unit) + " " + remote + " < " + Shell.quote(localFile.toString());
    }

    @Override
    public String healthCommand(String unit) {
        return units.command(Scripts.healthSummary(units.layout(units.knownUnit(unit))));
    }

    @Override
    public String restoreCommand(String unit, String etcdVersion, String remoteArchive, Member member) {
        return units.shell(Scripts.restoreSummary(units.layout(units.knownUnit(unit)), etcdVersion, remoteArchive,
                member.name(), member.peerUrl(), member.initialCluster(), member.clusterToken(),
                member.bumpRevision()));
    }
}
