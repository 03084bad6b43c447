package io.github.etcdbackup.encryption;

import io.github.etcdbackup.exception.DecryptionException;
import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.testing.AgeKeys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Interoperability with Debian's age 1.1.1, both ways: what the library encrypts, {@code age -d} decrypts to the
 * same bytes, and what {@code age -r} encrypts, the library decrypts; with two recipients, on sizes around and well
 * past one 64 KiB chunk. Then what must fail, fails typed and leaves nothing behind.
 */
@Timeout(120)
class AgeInteropTest {
    /** age's payload chunk. */
    private static final int CHUNK = 64 * 1024;

    @TempDir
    Path dir;
    private Path alice;
    private Path bob;
    private Path eve;
    private List<AgeRecipient> both;

    @BeforeEach
    void keys() throws Exception {
        alice = AgeKeys.keygen(dir, "alice.txt");
        bob = AgeKeys.keygen(dir, "bob.txt");
        eve = AgeKeys.keygen(dir, "eve.txt");
        both = List.of(AgeKeys.recipientOf(alice), AgeKeys.recipientOf(bob));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 12_345, 1_048_583})
    void whatTheLibraryEncryptsAgeDecryptsForEachRecipient(int size) throws Exception {
        byte[] plain = AgeKeys.randomBytes(size, size);
        Path in = Files.write(dir.resolve("plain.bin"), plain);
        Path encrypted = dir.resolve("plain.bin.age");
        Age.encryptFile(in, encrypted, both);

        for (Path identity : List.of(alice, bob)) {
            Path out = dir.resolve("out-" + identity.getFileName());
            AgeKeys.runToFile(List.of("age", "-d", "-i", identity.toString(), encrypted.toString()), out);
            assertThat(Files.readAllBytes(out)).isEqualTo(plain);
        }
        AgeKeys.Result refused = AgeKeys.attempt(List.of("age", "-d", "-i", eve.toString(), "-o",
                dir.resolve("eve-out").toString(), encrypted.toString()));
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stderr()).contains("no identity matched");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, CHUNK, CHUNK + 1, 5 * CHUNK + 777, 2_000_003})
    void whatAgeEncryptsTheLibraryDecryptsWithEitherIdentity(int size) throws Exception {
        byte[] plain = AgeKeys.randomBytes(size, 31L * size);
        Path in = Files.write(dir.resolve("plain.bin"), plain);
        Path encrypted = dir.resolve("by-age.age");
        AgeKeys.run(List.of("age", "-r", both.get(0).publicKey(), "-r", both.get(1).publicKey(), "-o",
                encrypted.toString(), in.toString()));

        for (Path identity : List.of(alice, bob)) {
            Path out = dir.resolve("lib-" + identity.getFileName());
            Age.decryptFile(encrypted, out, AgeIdentities.fromFile(identity));
            assertThat(Files.readAllBytes(out)).isEqualTo(plain);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-------");
        }
    }

    @Test
    void identitiesFromAFileWithSeveralKeysAndCommentsDecryptWhatEitherOpens() throws Exception {
        Path both = dir.resolve("both.txt");
        Files.writeString(both, Files.readString(alice) + "\n# and another\n\n" + Files.readString(bob));
        AgeIdentities identities = AgeIdentities.fromFile(both);
        assertThat(identities.recipients()).containsExactlyElementsOf(this.both);

        Path in = Files.write(dir.resolve("p"), AgeKeys.randomBytes(70_000, 3));
        Path forBob = dir.resolve("bob.age");
        AgeKeys.run(List.of("age", "-r", this.both.get(1).publicKey(), "-o", forBob.toString(), in.toString()));
        Age.decryptFile(forBob, dir.resolve("p2"), identities);
        assertThat(Files.readAllBytes(dir.resolve("p2"))).isEqualTo(Files.readAllBytes(in));
    }

    @Test
    void theRecipientOfAnIdentityIsWhatAgeKeygenPrints() throws Exception {
        assertThat(AgeIdentities.fromFile(alice).recipients()).containsExactly(AgeKeys.recipientOf(alice));
    }

    @Test
    void aWrongIdentityFailsTypedAndLeavesNoFile() throws Exception {
        Path in = Files.write(dir.resolve("p"), AgeKeys.randomBytes(100_000, 5));
        Path encrypted = dir.resolve("p.age");
        Age.encryptFile(in, encrypted, both);
        List<String> before = AgeKeys.names(dir);

        assertThatThrownBy(() -> Age.decryptFile(encrypted, dir.resolve("out"), AgeIdentities.fromFile(eve)))
                .isInstanceOfSatisfying(DecryptionException.class, e -> {
                    assertThat(e.reason()).isEqualTo(DecryptionException.Reason.WRONG_IDENTITY);
                    assertThat(e.location()).isEqualTo(encrypted.toString());
                });
        assertThat(AgeKeys.names(dir)).isEqualTo(before);
    }

    @Test
    void truncatedCiphertextFailsTypedAndLeavesNoFile() throws Exception {
        Path in = Files.write(dir.resolve("p"), AgeKeys.randomBytes(3 * CHUNK + 100, 6));
        Path encrypted = dir.resolve("p.age");
        AgeKeys.run(List.of("age", "-r", both.get(0).publicKey(), "-o", encrypted.toString(), in.toString()));
        byte[] whole = Files.readAllBytes(encrypted);
        int header = whole.length - (3 * (CHUNK + 16) + 100 + 16) - 16;
        AgeIdentities identities = AgeIdentities.fromFile(alice);
        // Mid-chunk, and exactly after the second full chunk (the cut a lost last chunk makes).
        for (int length : new int[] {whole.length - 50, header + 16 + 2 * (CHUNK + 16)}) {
            Path cut = Files.write(dir.resolve("cut-" + length + ".age"), Arrays.copyOf(whole, length));
            List<String> before = AgeKeys.names(dir);
            assertThatThrownBy(() -> Age.decryptFile(cut, dir.resolve("out"), identities))
                    .isInstanceOfSatisfying(DecryptionException.class,
                            e -> assertThat(e.reason()).isEqualTo(DecryptionException.Reason.DAMAGED));
            assertThat(AgeKeys.names(dir)).isEqualTo(before);
            AgeKeys.Result age = AgeKeys.attempt(List.of("age", "-d", "-i", alice.toString(), "-o",
                    dir.resolve("age-out").toString(), cut.toString()));
            assertThat(age.exitCode()).as("age itself refuses the same cut").isNotZero();
            Files.deleteIfExists(dir.resolve("age-out"));
        }
    }

    @Test
    void aChangedByteFailsAuthenticationBeforeItsChunkIsReturned() throws Exception {
        byte[] plain = AgeKeys.randomBytes(4 * CHUNK, 7);
        Path in = Files.write(dir.resolve("p"), plain);
        Path encrypted = dir.resolve("p.age");
        Age.encryptFile(in, encrypted, both);
        byte[] bytes = Files.readAllBytes(encrypted);
        bytes[bytes.length - CHUNK - 100] ^= 0x01; // inside the fourth chunk
        byte[] read = new byte[plain.length];
        int[] at = {0};
        try (InputStream decrypted = Age.decrypting(new ByteArrayInputStream(bytes), AgeIdentities.fromFile(alice),
                encrypted)) {
            assertThatThrownBy(() -> {
                int n;
                while ((n = decrypted.read(read, at[0], read.length - at[0])) > 0) {
                    at[0] += n;
                }
            }).isInstanceOfSatisfying(DecryptionException.class,
                    e -> assertThat(e.reason()).isEqualTo(DecryptionException.Reason.DAMAGED));
        }
        // Only the three chunks that authenticated were returned, and they are the plaintext.
        assertThat(at[0]).isLessThanOrEqualTo(3 * CHUNK);
        assertThat(Arrays.copyOf(read, at[0])).isEqualTo(Arrays.copyOf(plain, at[0]));
    }

    @Test
    void aFileThatIsNotAgeIsSaidToBeNotAge() throws Exception {
        Path plain = Files.write(dir.resolve("plain.tar.gz"), AgeKeys.randomBytes(1000, 8));
        assertThatThrownBy(() -> Age.decryptFile(plain, dir.resolve("out"), AgeIdentities.fromFile(alice)))
                .isInstanceOfSatisfying(DecryptionException.class,
                        e -> assertThat(e.reason()).isEqualTo(DecryptionException.Reason.NOT_AGE));
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void anExistingTargetIsNeverOverwritten() throws Exception {
        Path in = Files.write(dir.resolve("p"), AgeKeys.randomBytes(10, 9));
        Path taken = Files.writeString(dir.resolve("taken"), "keep me");
        assertThatThrownBy(() -> Age.encryptFile(in, taken, both)).isInstanceOf(FileConflictException.class);
        Path link = Files.createSymbolicLink(dir.resolve("link"), dir.resolve("elsewhere"));
        assertThatThrownBy(() -> Age.encryptFile(in, link, both)).isInstanceOf(FileConflictException.class);
        assertThat(Files.readString(taken)).isEqualTo("keep me");
        assertThat(dir.resolve("elsewhere")).doesNotExist();
    }

    @Test
    void secretsNeverShowInToStringOrErrors() throws Exception {
        String secret = Files.readAllLines(alice).stream().filter(l -> l.startsWith("AGE-SECRET-KEY-1")).findFirst()
                .orElseThrow();
        AgeIdentities identities = AgeIdentities.parse(secret);
        assertThat(identities.toString()).doesNotContain(secret).doesNotContain(secret.substring(16, 40))
                .contains(both.get(0).publicKey());

        assertThatThrownBy(() -> AgeRecipient.of(secret)).isInstanceOfSatisfying(InvalidInputException.class, e -> {
            assertThat(e.getMessage()).doesNotContain(secret.substring(16, 40)).contains("secret identity");
            assertThat(e.value()).doesNotContain(secret.substring(16, 40));
        });
        // The whole key file (--encrypt-to "$(cat key.txt)"), or a quoted key: refused without the key in the message.
        for (String given : List.of(Files.readString(alice), "\"" + secret + "\"", " " + secret.toLowerCase())) {
            assertThatThrownBy(() -> AgeRecipient.of(given)).isInstanceOfSatisfying(InvalidInputException.class,
                    e -> {
                        assertThat(e.getMessage().toUpperCase()).doesNotContain(secret.substring(16, 40));
                        assertThat(String.valueOf(e.value()).toUpperCase()).doesNotContain(secret.substring(16, 40));
                    });
        }
        String broken = secret.substring(0, secret.length() - 3) + "QQQ";
        assertThatThrownBy(() -> AgeIdentities.parse("# comment\n" + broken))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.getMessage()).doesNotContain(broken.substring(16, 40)).contains("line 2");
                    assertThat(e.value()).doesNotContain(broken.substring(16, 40));
                });
    }

    @Test
    void passphraseAndSshRecipientsAreRefusedWithWhatIsSupported() {
        assertThatThrownBy(() -> AgeRecipient.of("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("age1");
        assertThatThrownBy(() -> AgeRecipient.of("age1notakey")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> AgeIdentities.parse("")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("no identity");
    }
}
