package io.github.etcdbackup.transport.ssh.internal;

import io.github.etcdbackup.OutputParseException;
import io.github.etcdbackup.internal.InputValidation;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.HostOperations;
import io.github.etcdbackup.transport.ssh.UnitLayout;

import java.nio.file.Path;
import java.util.Objects;

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
                EtcdValues.name("cluster token", member.clusterToken()));
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
}
