package io.github.etcdbackup.transport.ssh.internal;

import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.Snapshot;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the snapshot script printed, as the transport records it. */
class SnapshotOutputTest {
    private static final String PATH = "/home/ubuntu/etcd-snapshots/etcd-snapshot-2024-05-21-14.02.11.tar.gz";
    private static final String SHA = "75dd6a52e54ba10642ca9fd1375acbcfb3cd84da0f179df32be9e4a2285046d3";

    private static Snapshot parse(String size, String versionLines) {
        String stdout = Scripts.PATH_KEY + PATH + "\n" + Scripts.SHA256_KEY + SHA + "\n" + Scripts.SIZE_KEY + size
                + "\n" + versionLines;
        return SshUnitOperations.SnapshotOutput.parse("etcd/0", KeysVersion.V3, new ExecResult(0, stdout, ""));
    }

    @Test
    void aLocaleFormattedSizeAndUnreadableVersionsAreRecordedAsUnknown() {
        Snapshot snapshot = parse("20,5M", "etcdctl: unknown command \"version\"\n");

        assertThat(snapshot.remotePath()).isEqualTo(PATH);
        assertThat(snapshot.sha256()).isEqualTo(SHA);
        assertThat(snapshot.sizeText()).isEmpty();
        assertThat(snapshot.approximateSizeBytes()).isZero();
        assertThat(snapshot.etcdctlVersion()).isEmpty();
        assertThat(snapshot.apiVersion()).isEmpty();
    }

    @Test
    void readableValuesAreRecorded() {
        Snapshot snapshot = parse("21M", "etcdctl version: 3.4.22\nAPI version: 3.4\n");

        assertThat(snapshot.sizeText()).isEqualTo("21M");
        assertThat(snapshot.approximateSizeBytes()).isEqualTo(22020096);
        assertThat(snapshot.etcdctlVersion()).isEqualTo("3.4.22");
        assertThat(snapshot.apiVersion()).isEqualTo("3.4");
    }
}
