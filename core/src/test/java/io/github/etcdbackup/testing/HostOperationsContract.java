package io.github.etcdbackup.testing;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.internal.files.Sha256;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.HostOperations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The behaviour every {@link HostOperations} must show, run against the fake hosts and the SSH transport on a real
 * OpenSSH server: facts about a unit, uploads that never replace a file and whose hash reads back, hostile values
 * refused before anything runs, deadlines that hold, and commands that name what they act on.
 */
public abstract class HostOperationsContract {
    @TempDir
    protected Path local;

    /** Host operations that reach {@link #unit()}, whose etcd runs. */
    protected abstract HostOperations hosts();

    /** A unit the operations reach, e.g. {@code etcd/0}. */
    protected abstract String unit();

    /** A directory on that unit where uploads may go, different for every test. */
    protected abstract String remoteDir();

    private static Deadline deadline() {
        return Deadline.after(Duration.ofMinutes(1));
    }

    @Test
    void factsAboutAUnitAreReadAndAnUnknownUnitHasNoAddress() {
        HostOperations hosts = hosts();
        assertThat(hosts.address(unit())).isPresent();
        assertThat(hosts.address("unknown/9")).isEmpty();
        assertThat(hosts.etcdVersion(unit(), deadline())).matches("3\\.\\d+\\.\\d+");
        assertThat(hosts.sha256(unit(), remoteDir() + "/no-such-file.tar.gz", deadline())).isEmpty();
    }

    @Test
    void anUploadReadsBackItsHashAndNeverReplacesAFile() throws IOException {
        HostOperations hosts = hosts();
        Path archive = Files.write(local.resolve("archive.tar.gz"), "archive bytes".getBytes());
        String remote = remoteDir() + "/archive.tar.gz";
        hosts.upload(unit(), archive, remote, deadline());
        assertThat(hosts.sha256(unit(), remote, deadline())).hasValue(Sha256.ofFile(archive));

        Path other = Files.write(local.resolve("other.tar.gz"), "other bytes".getBytes());
        assertThatThrownBy(() -> hosts.upload(unit(), other, remote, deadline()))
                .isInstanceOf(ActionFailedException.class);
        assertThat(hosts.sha256(unit(), remote, deadline())).hasValue(Sha256.ofFile(archive));
    }

    @Test
    void hostileValuesAreRefusedBeforeAnythingRuns() throws IOException {
        HostOperations hosts = hosts();
        Path archive = Files.write(local.resolve("archive.tar.gz"), "archive bytes".getBytes());
        refused(() -> hosts.upload(unit(), archive, remoteDir() + "/../escape.tar.gz", deadline()), "a .. path");
        refused(() -> hosts.upload(unit(), archive, "relative.tar.gz", deadline()), "a relative path");
        refused(() -> hosts.upload("etcd/0; reboot", archive, remoteDir() + "/a.tar.gz", deadline()), "a unit");
        refused(() -> hosts.stopService("etcd/0 && reboot", deadline()), "a unit");
        refused(() -> hosts.startService("$(reboot)", deadline()), "a unit");
        refused(() -> hosts.restoreDataDir(unit(), remoteDir() + "/a.tar.gz", new HostOperations.Member(
                "etcd0; reboot", "https://127.0.0.1:2380", "etcd0=https://127.0.0.1:2380", "token"), deadline()),
                "a member name");
        refused(() -> hosts.restoreDataDir(unit(), remoteDir() + "/a.tar.gz", new HostOperations.Member(
                "etcd0", "https://127.0.0.1:2380", "etcd0=$(reboot)", "token"), deadline()), "an initial cluster");
        refused(() -> hosts.restoreDataDir(unit(), remoteDir() + "/a.tar.gz", new HostOperations.Member(
                "etcd0", "https://127.0.0.1:2380", "etcd0=https://127.0.0.1:2380", "to ken"), deadline()),
                "a cluster token");
        assertThat(hosts.sha256(unit(), remoteDir() + "/escape.tar.gz", deadline())).isEmpty();
    }

    @Test
    void anExpiredDeadlineEndsACallWithATimeout() throws Exception {
        HostOperations hosts = hosts();
        Path archive = Files.write(local.resolve("archive.tar.gz"), "archive bytes".getBytes());
        Deadline expired = Deadline.after(Duration.ofNanos(1));
        Thread.sleep(2);
        assertThatThrownBy(() -> hosts.etcdVersion(unit(), expired)).isInstanceOf(OperationTimeoutException.class);
        assertThatThrownBy(() -> hosts.sha256(unit(), remoteDir() + "/x.tar.gz", expired))
                .isInstanceOf(OperationTimeoutException.class);
        assertThatThrownBy(() -> hosts.upload(unit(), archive, remoteDir() + "/late.tar.gz", expired))
                .isInstanceOf(OperationTimeoutException.class);
        assertThat(hosts.sha256(unit(), remoteDir() + "/late.tar.gz", deadline())).isEmpty();
    }

    @Test
    void commandsNameWhatTheyActOn() {
        HostOperations hosts = hosts();
        HostOperations.Member member = new HostOperations.Member("etcd0", "https://10.0.0.5:2380",
                "etcd0=https://10.0.0.5:2380", "restored-1");
        assertThat(hosts.serviceCommand(unit(), "stop")).contains("stop");
        assertThat(hosts.serviceCommand(unit(), "start")).contains("start");
        assertThat(hosts.uploadCommand(unit(), local.resolve("a.tar.gz"), remoteDir() + "/a.tar.gz"))
                .contains(remoteDir() + "/a.tar.gz");
        assertThat(hosts.restoreCommand(unit(), "3.4.22", remoteDir() + "/a.tar.gz", member))
                .contains("etcd0", remoteDir() + "/a.tar.gz");
        assertThat(hosts.healthCommand(unit())).isNotBlank();
    }

    private static void refused(Executable call, String what) {
        assertThatThrownBy(call::execute).as(what).isInstanceOf(InvalidInputException.class);
    }
}
