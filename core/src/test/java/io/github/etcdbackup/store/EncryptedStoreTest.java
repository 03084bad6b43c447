package io.github.etcdbackup.store;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.testing.AgeKeys;
import io.github.etcdbackup.encryption.AgeRecipient;
import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.exception.DecryptionException;
import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.internal.download.SnapshotManifest;
import io.github.etcdbackup.internal.files.FileLocks;
import io.github.etcdbackup.spi.ParallelReads;
import io.github.etcdbackup.testing.FakeTransport;
import io.github.etcdbackup.testing.TestArchives;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Backups encrypted while they stream, and every store operation on them: only ciphertext on disk, the unit's
 * SHA-256 checked over the plaintext, age itself opens the file, and damage or a wrong identity is told apart.
 */
@Timeout(120)
class EncryptedStoreTest {
    @TempDir
    Path dir;
    @TempDir
    Path keys;
    @TempDir
    Path work;
    private FakeTransport transport;
    private EtcdBackupClient client;
    private byte[] archive;
    private Path alice;
    private Path bob;
    private Path eve;
    private List<AgeRecipient> recipients;

    @BeforeEach
    void setUp() throws Exception {
        // A little over three age chunks, of an odd size.
        archive = TestArchives.v3Archive(TestArchives.bboltLikeDb(200_001, 11), work);
        transport = new FakeTransport();
        transport.archiveContent(archive);
        client = EtcdBackupClient.create(transport);
        alice = AgeKeys.keygen(keys, "alice.txt");
        bob = AgeKeys.keygen(keys, "bob.txt");
        eve = AgeKeys.keygen(keys, "eve.txt");
        recipients = List.of(AgeKeys.recipientOf(alice), AgeKeys.recipientOf(bob));
    }

    private LocalSnapshot encryptedBackup() {
        return client.backup(SnapshotRequest.builder().unit("etcd/0").encryptTo(recipients).build(), dir);
    }

    /** True when some file under {@code dir} holds {@code needle}. */
    private static boolean anyFileHolds(Path dir, byte[] needle) throws Exception {
        try (var files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                byte[] content = Files.readAllBytes(file);
                for (int i = 0; i + needle.length <= content.length; i++) {
                    if (Arrays.equals(content, i, i + needle.length, needle, 0, needle.length)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Replaces the archive with the same plaintext encrypted by {@code age -r} to {@code to}, and its manifest with
     * one that records the new ciphertext but still the recipients of the original.
     */
    private LocalSnapshot reencryptedByAge(LocalSnapshot local, List<AgeRecipient> to) throws Exception {
        Path plain = work.resolve("plain.tar.gz");
        Files.write(plain, archive);
        Files.delete(local.file());
        List<String> argv = new java.util.ArrayList<>(List.of("age"));
        to.forEach(r -> argv.addAll(List.of("-r", r.publicKey())));
        argv.addAll(List.of("-o", local.file().toString(), plain.toString()));
        AgeKeys.run(argv);
        LocalSnapshot rewritten = new LocalSnapshot(local.file(), FakeTransport.sha256(
                Files.readAllBytes(local.file())), Files.size(local.file()), local.source(), local.encryption());
        SnapshotManifest.write(rewritten, "");
        return rewritten;
    }

    @Test
    void onlyCiphertextReachesTheDiskAndAgeOpensItForEachRecipient() throws Exception {
        LocalSnapshot local = encryptedBackup();

        assertThat(local.file().getFileName().toString()).endsWith(".tar.gz.age");
        assertThat(local.encrypted()).isTrue();
        assertThat(local.encryption().orElseThrow().plaintextSha256()).isEqualTo(FakeTransport.sha256(archive));
        assertThat(local.encryption().orElseThrow().plaintextSizeBytes()).isEqualTo(archive.length);
        assertThat(local.sizeBytes()).isEqualTo(Files.size(local.file())).isGreaterThan(archive.length);
        assertThat(AgeKeys.names(dir)).allMatch(n -> n.contains(".tar.gz.age") || n.startsWith(".etcd-backup"));
        assertThat(anyFileHolds(dir, Arrays.copyOfRange(archive, 1000, 1064))).isFalse();

        for (Path identity : List.of(alice, bob)) {
            Path out = work.resolve("decrypted-" + identity.getFileName());
            AgeKeys.runToFile(List.of("age", "-d", "-i", identity.toString(), local.file().toString()), out);
            assertThat(Files.readAllBytes(out)).isEqualTo(archive);
        }
        // sha256sum -c checks the file as stored.
        AgeKeys.run(List.of("sh", "-c", "cd \"$0\" && sha256sum -c \"$1\"", dir.toString(),
                local.file().getFileName() + ".sha256"));
    }

    @Test
    void rangesThatWouldWaitOnDiskInPlaintextAreNotUsedForAnEncryptedBackup() throws Exception {
        // Both transports' ranges wait in spool files: for an encrypted backup that would put plaintext on disk.
        transport.parallelReads(new ParallelReads(2, 4096, true));
        LocalSnapshot encrypted = encryptedBackup();
        assertThat(transport.rangesOpened()).isZero();
        Path out = work.resolve("decrypted");
        AgeKeys.runToFile(List.of("age", "-d", "-i", alice.toString(), encrypted.file().toString()), out);
        assertThat(Files.readAllBytes(out)).isEqualTo(archive);

        client.backup(SnapshotRequest.builder().unit("etcd/0").build(), work.resolve("plain"));
        assertThat(transport.rangesOpened()).as("a plain backup's ranges may wait on disk").isPositive();
    }

    @Test
    void theManifestRecordsBothHashesAndTheRecipientsNeverAnIdentity() throws Exception {
        LocalSnapshot local = encryptedBackup();
        String manifest = Files.readString(SnapshotManifest.pathOf(local.file()), StandardCharsets.UTF_8);

        assertThat(manifest).contains("encryption=age", "plaintextSha256=" + FakeTransport.sha256(archive),
                "plaintextSizeBytes=" + archive.length, "sha256=" + local.sha256(),
                recipients.get(0).publicKey(), recipients.get(1).publicKey());
        assertThat(manifest).doesNotContain("AGE-SECRET-KEY");
        assertThat(SnapshotStore.open(dir).list()).containsExactly(local);
    }

    @Test
    void withoutAnIdentityVerifySaysItCheckedTheCiphertextOnly() {
        LocalSnapshot local = encryptedBackup();
        StoreCheck check = SnapshotStore.open(dir).verify(local);
        assertThat(check.problems()).isEmpty();
        assertThat(check.depth()).isEqualTo(StoreCheck.Depth.CIPHERTEXT_ONLY);
    }

    @Test
    void withAnIdentityVerifyChecksThePlaintextAndItsTarWithoutWritingIt() throws Exception {
        LocalSnapshot local = encryptedBackup();
        List<String> before = AgeKeys.names(dir);
        StoreCheck check = SnapshotStore.open(dir).verify(local, AgeIdentities.fromFile(bob));
        assertThat(check.problems()).isEmpty();
        assertThat(check.depth()).isEqualTo(StoreCheck.Depth.CONTENTS);
        assertThat(AgeKeys.names(dir)).isEqualTo(before);
    }

    @Test
    void aTamperedCiphertextIsAProblemForBothDepths() throws Exception {
        LocalSnapshot local = encryptedBackup();
        byte[] bytes = Files.readAllBytes(local.file());
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(local.file(), bytes);
        LocalSnapshotStore store = SnapshotStore.open(dir);

        assertThat(store.verify(local).problems()).anyMatch(p -> p.startsWith("ciphertext SHA-256 is"));
        StoreCheck decrypted = store.verify(local, AgeIdentities.fromFile(alice));
        assertThat(decrypted.problems()).anyMatch(p -> p.contains("authentication failed"));
        assertThat(decrypted.depth()).isEqualTo(StoreCheck.Depth.CIPHERTEXT_ONLY);
    }

    @Test
    void aDamagedHeaderIsDamageNotAWrongKeyForVerifyAndDrill() throws Exception {
        LocalSnapshot local = encryptedBackup();
        byte[] bytes = Files.readAllBytes(local.file());
        String head = new String(bytes, 0, 200, StandardCharsets.ISO_8859_1);
        int stanzaBody = head.indexOf('\n', head.indexOf("-> X25519 ")) + 3;
        bytes[stanzaBody] = (byte) (bytes[stanzaBody] == 'A' ? 'B' : 'A');
        Files.write(local.file(), bytes);
        AgeIdentities identities = AgeIdentities.fromFile(alice);

        StoreCheck check = SnapshotStore.open(dir).verify(local, identities);
        assertThat(check.problems()).anyMatch(p -> p.contains("header is damaged"));
        DrillReport drill = SnapshotStore.open(dir).drill(local, DrillOptions.defaults().withIdentities(identities));
        assertThat(drill.passed()).isFalse();
        assertThat(drill.problems()).anyMatch(p -> p.contains("header is damaged"));
    }

    @Test
    void aTruncatedCiphertextIsAProblem() throws Exception {
        LocalSnapshot local = encryptedBackup();
        byte[] bytes = Files.readAllBytes(local.file());
        Files.write(local.file(), Arrays.copyOf(bytes, bytes.length - 100));
        StoreCheck check = SnapshotStore.open(dir).verify(local, AgeIdentities.fromFile(alice));
        assertThat(check.problems()).anyMatch(p -> p.contains("truncated or was changed"))
                .anyMatch(p -> p.startsWith("size is"));
    }

    @Test
    void identitiesOfOtherRecipientsAreATypedErrorNamingTheArchiveRecipients() throws Exception {
        LocalSnapshot local = encryptedBackup();
        AgeIdentities wrong = AgeIdentities.fromFile(eve);
        LocalSnapshotStore store = SnapshotStore.open(dir);

        assertThatThrownBy(() -> store.verify(local, wrong)).isInstanceOfSatisfying(DecryptionException.class, e -> {
            assertThat(e.reason()).isEqualTo(DecryptionException.Reason.WRONG_IDENTITY);
            assertThat(e.recipients()).containsExactly(recipients.get(0).publicKey(), recipients.get(1).publicKey());
        });
        assertThat(store.verifyAll(wrong)).singleElement().satisfies(c -> {
            assertThat(c.depth()).isEqualTo(StoreCheck.Depth.CIPHERTEXT_ONLY);
            assertThat(c.problems()).singleElement().asString().contains("none of the identities given");
        });
    }

    @Test
    void aManifestThatNamesOtherRecipientsThanTheFileHasIsAProblem() throws Exception {
        // Re-encrypted by hand to eve only, the manifest (and its ciphertext hash) updated, the recipients not.
        LocalSnapshot relabelled = reencryptedByAge(encryptedBackup(), List.of(AgeKeys.recipientOf(eve)));

        StoreCheck check = SnapshotStore.open(dir).verify(relabelled, AgeIdentities.fromFile(alice));
        assertThat(check.problems()).anyMatch(p -> p.contains("the file was replaced"));
    }

    @Test
    void aFileAgeEncryptedByHandWithAManifestVerifiesWithTheLibrary() throws Exception {
        LocalSnapshot byAge = reencryptedByAge(encryptedBackup(), recipients);

        StoreCheck check = SnapshotStore.open(dir).verify(byAge, AgeIdentities.fromFile(bob));
        assertThat(check.problems()).filteredOn(p -> !p.contains(".sha256")).isEmpty();
        assertThat(check.depth()).isEqualTo(StoreCheck.Depth.CONTENTS);
    }

    @Test
    void aPlaintextThatDoesNotMatchTheUnitLeavesNothing() throws Exception {
        transport.flipByteInNextStreamAt(70_000);
        assertThatThrownBy(this::encryptedBackup).isInstanceOf(ChecksumMismatchException.class);
        assertThat(AgeKeys.names(dir)).allMatch(n -> n.startsWith(".etcd-backup"));
    }

    @Test
    void aCutStreamLeavesNoPartEvenForADownloadThatWouldResume() throws Exception {
        io.github.etcdbackup.Snapshot snapshot = client.snapshot("etcd/0");
        transport.cutNextStreamAfter(100_000);
        assertThatThrownBy(() -> client.download(snapshot, dir, io.github.etcdbackup.UnitCopy.KEEP, recipients))
                .isInstanceOf(TransportException.class);
        assertThat(AgeKeys.names(dir)).allMatch(n -> n.startsWith(".etcd-backup"));

        LocalSnapshot again = client.download(snapshot, dir, io.github.etcdbackup.UnitCopy.KEEP, recipients);
        assertThat(SnapshotStore.open(dir).verify(again, AgeIdentities.fromFile(alice)).ok()).isTrue();
        // Once more: an encrypted file under that name cannot be checked against the unit, so it is neither trusted
        // nor overwritten (in a directory others can write, it and its manifest could have been planted).
        byte[] before = Files.readAllBytes(again.file());
        assertThatThrownBy(() -> client.download(snapshot, dir, io.github.etcdbackup.UnitCopy.KEEP, recipients))
                .isInstanceOf(FileConflictException.class).hasMessageContaining("SnapshotStore.verify");
        assertThat(Files.readAllBytes(again.file())).isEqualTo(before);
    }

    @Test
    void copyToAnotherStoreCopiesTheCiphertextVerifiedOnArrival() throws Exception {
        LocalSnapshot local = encryptedBackup();
        Path elsewhere = work.resolve("offsite");
        LocalSnapshotStore target = SnapshotStore.create(elsewhere);

        LocalSnapshot copy = SnapshotStore.open(dir).copyTo(target, local);

        assertThat(copy.file()).isEqualTo(elsewhere.resolve(local.file().getFileName()));
        assertThat(Files.readAllBytes(copy.file())).isEqualTo(Files.readAllBytes(local.file()));
        assertThat(target.list()).containsExactly(copy);
        assertThat(target.verify(copy, AgeIdentities.fromFile(bob)).depth()).isEqualTo(StoreCheck.Depth.CONTENTS);
        assertThat(target.verifyAll()).allMatch(StoreCheck::ok);
        Path out = work.resolve("from-copy.tar.gz");
        AgeKeys.runToFile(List.of("age", "-d", "-i", alice.toString(), copy.file().toString()), out);
        assertThat(Files.readAllBytes(out)).isEqualTo(archive);
        assertThat(SnapshotStore.open(dir).copyTo(target, local)).as("copying again changes nothing").isEqualTo(copy);
    }

    @Test
    void plantedLinksAtTheEncryptedNamesAreNeverFollowed() throws Exception {
        io.github.etcdbackup.Snapshot snapshot = client.snapshot("etcd/0");
        Path outside = Files.writeString(work.resolve("outside"), "not to be touched");
        String name = snapshot.localName("k8s") + ".age";
        Path partLink = Files.createSymbolicLink(dir.resolve(name + ".part"), outside);
        assertThatThrownBy(() -> client.download(snapshot, dir, io.github.etcdbackup.UnitCopy.KEEP, recipients))
                .isInstanceOf(FileConflictException.class);
        Files.delete(partLink);
        Path finalLink = Files.createSymbolicLink(dir.resolve(name), outside);
        assertThatThrownBy(() -> client.download(snapshot, dir, io.github.etcdbackup.UnitCopy.KEEP, recipients))
                .isInstanceOf(FileConflictException.class);
        assertThat(Files.isSymbolicLink(finalLink)).isTrue();
        assertThat(Files.readString(outside)).isEqualTo("not to be touched");
    }

    @Test
    void aCopyNeverWritesThroughALinkNorBesideAnotherWriterOfThisJvm() throws Exception {
        LocalSnapshot local = encryptedBackup();
        Path elsewhere = Files.createDirectories(work.resolve("offsite"));
        LocalSnapshotStore target = SnapshotStore.open(elsewhere);
        Path outside = Files.writeString(work.resolve("outside"), "not to be touched");
        String name = local.file().getFileName().toString();

        Path partLink = Files.createSymbolicLink(elsewhere.resolve(name + ".part"), outside);
        assertThatThrownBy(() -> SnapshotStore.open(dir).copyTo(target, local))
                .isInstanceOf(FileConflictException.class);
        Files.delete(partLink);
        Path finalLink = Files.createSymbolicLink(elsewhere.resolve(name), outside);
        assertThatThrownBy(() -> SnapshotStore.open(dir).copyTo(target, local))
                .isInstanceOf(FileConflictException.class);
        assertThat(Files.readString(outside)).isEqualTo("not to be touched");
        Files.delete(finalLink);

        // Another copy of the same archive in this JVM holds the .part: refused, and its lock survives the refusal.
        try (FileLocks.Held other = FileLocks.lockNow(elsewhere.resolve(name + ".part"), true, "a test")) {
            assertThatThrownBy(() -> SnapshotStore.open(dir).copyTo(target, local))
                    .isInstanceOf(FileConflictException.class).hasMessageContaining("another copy");
            assertThat(FileLocks.isLocked(other.file())).isTrue();
        }
        assertThat(SnapshotStore.open(dir).copyTo(target, local).file()).isEqualTo(elsewhere.resolve(name));
    }

    @Test
    void aDamagedArchiveIsNotCopiedAndNothingIsLeftInTheTarget() throws Exception {
        LocalSnapshot local = encryptedBackup();
        byte[] bytes = Files.readAllBytes(local.file());
        bytes[bytes.length / 3] ^= 0x01;
        Files.write(local.file(), bytes);
        Path elsewhere = work.resolve("offsite");
        LocalSnapshotStore target = SnapshotStore.create(elsewhere);

        assertThatThrownBy(() -> SnapshotStore.open(dir).copyTo(target, local))
                .isInstanceOf(ChecksumMismatchException.class);
        assertThat(AgeKeys.names(elsewhere)).allMatch(n -> n.startsWith(".etcd-backup"));
    }

    @Test
    void pruneWorksWithoutAnIdentityAndKeepsTheNewest() throws Exception {
        encryptedBackup();
        transport.archiveContent(TestArchives.v3Archive(TestArchives.bboltLikeDb(90_001, 12), work));
        encryptedBackup();
        LocalSnapshotStore store = SnapshotStore.open(dir);
        List<LocalSnapshot> all = store.list();
        assertThat(all).hasSize(2);

        PrunePlan plan = store.prune(RetentionPolicy.builder().keepLast(1).build());
        assertThat(plan.delete()).hasSize(1);
        assertThat(plan.unverified()).isEmpty();
        assertThat(store.list()).singleElement().satisfies(kept -> {
            assertThat(kept.encrypted()).isTrue();
            assertThat(store.verify(kept).ok()).isTrue();
        });
        assertThat(AgeKeys.names(dir)).filteredOn(n -> !n.startsWith(".")).hasSize(3);
    }

    @Test
    void aDrillOfAnEncryptedArchiveNeedsAnIdentity() {
        LocalSnapshot local = encryptedBackup();
        AgeIdentities wrong = AgeIdentities.fromFile(eve);
        assertThatThrownBy(() -> SnapshotStore.open(dir).drill(local, DrillOptions.defaults().withIdentities(wrong)))
                .isInstanceOfSatisfying(DecryptionException.class,
                        e -> assertThat(e.reason()).isEqualTo(DecryptionException.Reason.WRONG_IDENTITY));
        assertThatThrownBy(() -> SnapshotStore.open(dir).drill(local, DrillOptions.defaults()))
                .isInstanceOfSatisfying(DecryptionException.class,
                        e -> assertThat(e.reason()).isEqualTo(DecryptionException.Reason.NO_IDENTITY));
    }

    @Test
    void keysNeverShowInTheSnapshotsToString() throws Exception {
        LocalSnapshot local = encryptedBackup();
        String secret = Files.readAllLines(alice).get(2);
        DrillOptions options = DrillOptions.defaults().withIdentities(AgeIdentities.fromFile(alice))
                .requirePrefixes("/registry/");
        assertThat(local.toString()).doesNotContain("AGE-SECRET-KEY");
        assertThat(options.toString()).doesNotContain(secret.substring(16, 40)).contains("1 identity");
    }
}
