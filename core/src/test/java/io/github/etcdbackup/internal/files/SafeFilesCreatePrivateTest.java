package io.github.etcdbackup.internal.files;

import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.exception.LocalStorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link SafeFiles#createPrivate}: a new owner-only file, never anything already at its name. */
class SafeFilesCreatePrivateTest {
    @TempDir
    Path dir;

    @Test
    void aNewFileIsOwnerOnlyAndOpenToReadAndWrite() throws IOException {
        Path file = dir.resolve("range");
        try (FileChannel channel = SafeFiles.createPrivate(file)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            channel.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            assertThat(channel.size()).isEqualTo(3);
        }
    }

    @Test
    void aPlantedLinkAtTheNameIsRefusedAndItsTargetLeftAlone() throws IOException {
        Path target = Files.writeString(dir.resolve("victim"), "keep me", StandardCharsets.UTF_8);
        Path file = Files.createSymbolicLink(dir.resolve("range"), target);
        assertThatThrownBy(() -> SafeFiles.createPrivate(file)).isInstanceOf(FileConflictException.class)
                .hasMessageContaining("symbolic link");
        assertThat(Files.readString(target)).isEqualTo("keep me");
    }

    @Test
    void aFileAlreadyAtTheNameIsRefusedAndLeftAlone() throws IOException {
        Path file = Files.writeString(dir.resolve("range"), "someone else's", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> SafeFiles.createPrivate(file)).isInstanceOf(LocalStorageException.class);
        assertThat(Files.readString(file)).isEqualTo("someone else's");
    }
}
