package io.github.etcdbackup;

import io.github.etcdbackup.exception.InvalidInputException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotTest {
    private static final String SHA = "ccfbb6b660e9a44c9457a74fbefe58d2a6c9b67bbee7643c79183cef83bfdcdb";
    private static final String PATH = "/home/ubuntu/etcd-snapshots/etcd-snapshot-2024-03-12-10.15.40.tar.gz";

    @ParameterizedTest
    @CsvSource({"4.2M,4404019", "68K,69632", "21M,22020096", "4.0K,4096", "1.1G,1181116006", "0,0", "512,512",
            "1.5T,1649267441664"})
    void duSizesArePowersOf1024Truncated(String text, long bytes) {
        assertThat(Snapshot.parseDuSize(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "K", "4,2M", "-1K", "4.2 M", "4.2MB", "1e3", "12Q", "999999999999999E"})
    void otherSizeTextIsRefused(String text) {
        assertThatThrownBy(() -> Snapshot.parseDuSize(text)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void builderDerivesArchiveNameSizeAndVersions() {
        Snapshot snapshot = Snapshot.builder().unit("etcd/3").actionId("14").remotePath(PATH).sha256(SHA)
                .sizeText("4.2M").versionText("etcdctl version: 3.4.22\nAPI version: 3.4").build();

        assertThat(snapshot.unit()).isEqualTo("etcd/3");
        assertThat(snapshot.actionId()).contains("14");
        assertThat(snapshot.archiveName()).isEqualTo("etcd-snapshot-2024-03-12-10.15.40.tar.gz");
        assertThat(snapshot.approximateSizeBytes()).isEqualTo(4404019);
        assertThat(snapshot.sizeText()).isEqualTo("4.2M");
        assertThat(snapshot.etcdctlVersion()).isEqualTo("3.4.22");
        assertThat(snapshot.apiVersion()).isEqualTo("3.4");
        assertThat(snapshot.keysVersion()).isEqualTo(KeysVersion.V3);
        assertThat(snapshot.toString()).contains("etcd/3", SHA, "4.2M");
    }

    @Test
    void versionTextAcceptsCrlfAndApiVersion2() {
        Snapshot snapshot = Snapshot.builder().unit("etcd/0").remotePath(PATH).sha256(SHA)
                .versionText("etcdctl version: 3.2.10\r\nAPI version: 2\r\n").build();
        assertThat(snapshot.etcdctlVersion()).isEqualTo("3.2.10");
        assertThat(snapshot.apiVersion()).isEqualTo("2");
    }

    @Test
    void versionTextWithoutBothLinesIsRefused() {
        assertThatThrownBy(() -> Snapshot.builder().versionText("etcdctl version: 3.4.22"))
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void sizeAndVersionTextsAUnitReportedThatCannotBeReadAreRecordedAsUnknown() {
        Snapshot unreadable = Snapshot.builder().unit("etcd/0").remotePath(PATH).sha256(SHA)
                .sizeTextOrUnknown("68,5K").versionTextOrUnknown("etcdctl: command not found").build();
        assertThat(unreadable.sizeText()).isEmpty();
        assertThat(unreadable.approximateSizeBytes()).isZero();
        assertThat(unreadable.etcdctlVersion()).isEmpty();
        assertThat(unreadable.apiVersion()).isEmpty();
        assertThat(unreadable.sha256()).isEqualTo(SHA);
        assertThat(Snapshot.builder().unit("etcd/0").remotePath(PATH).sha256(SHA)
                .sizeTextOrUnknown("999999999999999E").build().approximateSizeBytes()).isZero();

        Snapshot readable = Snapshot.builder().unit("etcd/0").remotePath(PATH).sha256(SHA).sizeTextOrUnknown(" 68K\n")
                .versionTextOrUnknown("etcdctl version: 3.4.22\nAPI version: 3.4").build();
        assertThat(readable.sizeText()).isEqualTo("68K");
        assertThat(readable.approximateSizeBytes()).isEqualTo(69632);
        assertThat(readable.etcdctlVersion()).isEqualTo("3.4.22");
    }

    @Test
    void ofBuildsASnapshotOfAKnownFile() {
        Snapshot snapshot = Snapshot.of("etcd/0", PATH, SHA.toUpperCase());
        assertThat(snapshot.sha256()).isEqualTo(SHA);
        assertThat(snapshot.actionId()).isEmpty();
        assertThat(snapshot.approximateSizeBytes()).isZero();
        assertThat(snapshot.elapsed()).isEqualTo(Duration.ZERO);
    }

    @Test
    void hostileValuesAreRefused() {
        assertThatThrownBy(() -> Snapshot.of("etcd/0;id", PATH, SHA)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Snapshot.of("etcd/leader", PATH, SHA)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Snapshot.of("etcd/0", "/home/ubuntu/../../etc/shadow", SHA))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Snapshot.of("etcd/0", "/home/ubuntu/.hidden", SHA))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Snapshot.of("etcd/0", PATH, "abc")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void theArchiveNameMustBeThePathsLastSegment() {
        assertThatThrownBy(() -> new Snapshot("etcd/0", java.util.Optional.empty(), PATH, "other.tar.gz", SHA, "",
                0, "", "", KeysVersion.V3, java.time.Instant.now(), Duration.ZERO))
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void requestDefaultsAreTheCharmsAndValuesAreChecked() {
        SnapshotRequest request = SnapshotRequest.builder().unit("etcd/leader").build();
        assertThat(request.keysVersion()).isEqualTo(KeysVersion.V3);
        assertThat(request.target()).isEqualTo("/home/ubuntu/etcd-snapshots");
        assertThat(request.timeout()).isEmpty();
        assertThat(KeysVersion.V2.parameter()).isEqualTo("v2");
        assertThatThrownBy(() -> SnapshotRequest.builder().unit("etcd/0").target("/tmp/../etc").build())
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> SnapshotRequest.builder().unit("etcd/0").timeout(Duration.ZERO))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> SnapshotRequest.builder().build()).isInstanceOf(InvalidInputException.class);
    }
}
