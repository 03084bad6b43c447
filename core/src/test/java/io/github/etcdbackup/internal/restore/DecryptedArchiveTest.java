package io.github.etcdbackup.internal.restore;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.exception.DecryptionException;
import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.exception.RestoreFailedException;
import io.github.etcdbackup.testing.AgeKeys;
import io.github.etcdbackup.testing.FakeTransport;
import io.github.etcdbackup.testing.TestArchives;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The plaintext an encrypted restore uploads: private while it exists, checked, and gone afterwards. */
@Timeout(60)
class DecryptedArchiveTest {
    @TempDir
    Path store;
    @TempDir
    Path work;
    @TempDir
    Path tmp;
    private byte[] archive;
    private LocalSnapshot encrypted;
    private AgeIdentities identities;
    private String sha384;

    @BeforeEach
    void encryptedBackup() throws Exception {
        archive = TestArchives.v3Archive(TestArchives.bboltLikeDb(150_000, 4), work);
        FakeTransport transport = new FakeTransport();
        transport.archiveContent(archive);
        Path key = AgeKeys.keygen(work, "key.txt");
        identities = AgeIdentities.fromFile(key);
        try (EtcdBackupClient client = EtcdBackupClient.create(transport)) {
            encrypted = client.backup(SnapshotRequest.builder().unit("etcd/0").encryptTo(AgeKeys.recipientOf(key))
                    .build(), store);
        }
        sha384 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-384").digest(archive));
    }

    @Test
    void thePlaintextIsOwnerOnlyInAnOwnerOnlyDirectoryAndRemovedWithIt() throws Exception {
        Path plaintext = tmp.resolve("restore-x").resolve("a.tar.gz");
        DecryptedArchive.write(encrypted, identities, plaintext, "SHA-384", sha384, "attach");

        assertThat(Files.readAllBytes(plaintext)).isEqualTo(archive);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(plaintext))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(plaintext.getParent())))
                .isEqualTo("rwx------");
        DecryptedArchive.remove(plaintext);
        assertThat(plaintext.getParent()).doesNotExist();
    }

    @Test
    void theRandomPathLiesInTheTempDirectoryUnderAFreshName() {
        Path one = DecryptedArchive.privatePath(encrypted.file());
        Path two = DecryptedArchive.privatePath(encrypted.file());
        assertThat(one.getParent()).isNotEqualTo(two.getParent()).doesNotExist();
        assertThat(one.getFileName().toString()).isEqualTo(encrypted.file().getFileName().toString()
                .replace(".age", ""));
    }

    @Test
    void aDirectoryPlantedWithOtherPermissionsOrAsALinkIsNeverWrittenInto() throws Exception {
        Path planted = Files.createDirectory(tmp.resolve("planted"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> DecryptedArchive.write(encrypted, identities, planted.resolve("a.tar.gz"),
                "SHA-384", sha384, "attach")).isInstanceOf(FileConflictException.class);
        assertThat(planted.resolve("a.tar.gz")).doesNotExist();

        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
        Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwx------"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), elsewhere);
        assertThatThrownBy(() -> DecryptedArchive.write(encrypted, identities, link.resolve("a.tar.gz"),
                "SHA-384", sha384, "attach")).isInstanceOf(FileConflictException.class);
        assertThat(elsewhere.resolve("a.tar.gz")).doesNotExist();
        assertThat(Files.isSymbolicLink(link)).isTrue();
    }

    @Test
    void removeNeverDeletesInADirectoryThatIsNotThisUsersPrivateOne() throws Exception {
        Path planted = Files.createDirectory(tmp.resolve("planted-remove"));
        Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path someoneElses = Files.writeString(planted.resolve("a.tar.gz"), "not ours");
        DecryptedArchive.remove(someoneElses);
        assertThat(someoneElses).exists();

        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere-remove"));
        Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwx------"));
        Path kept = Files.writeString(elsewhere.resolve("a.tar.gz"), "kept");
        Path link = Files.createSymbolicLink(tmp.resolve("link-remove"), elsewhere);
        DecryptedArchive.remove(link.resolve("a.tar.gz"));
        assertThat(kept).exists();
    }

    @Test
    void aPlaintextThatIsNotThePlannedOneIsDeletedWithItsDirectory() {
        Path plaintext = tmp.resolve("restore-y").resolve("a.tar.gz");
        assertThatThrownBy(() -> DecryptedArchive.write(encrypted, identities, plaintext, "SHA-384",
                "0".repeat(96), "attach"))
                .isInstanceOf(RestoreFailedException.class).hasMessageContaining("SHA-384");
        assertThat(plaintext.getParent()).doesNotExist();
    }

    @Test
    void aDamagedCiphertextLeavesNoPlaintextBehind() throws Exception {
        byte[] bytes = Files.readAllBytes(encrypted.file());
        bytes[bytes.length - 200] ^= 0x01;
        Files.write(encrypted.file(), bytes);
        Path plaintext = tmp.resolve("restore-z").resolve("a.tar.gz");
        assertThatThrownBy(() -> DecryptedArchive.write(encrypted, identities, plaintext, "SHA-384", sha384,
                "attach"))
                .isInstanceOfSatisfying(DecryptionException.class,
                        e -> assertThat(e.reason()).isEqualTo(DecryptionException.Reason.DAMAGED));
        assertThat(Files.exists(plaintext.getParent(), LinkOption.NOFOLLOW_LINKS)).isFalse();
    }
}
