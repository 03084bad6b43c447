package io.github.etcdbackup.internal.download;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WritebackSyncTest {
    @TempDir
    Path dir;

    @Test
    void noThreadIsStartedForAnArchiveSmallerThanOneSyncStep() throws IOException {
        try (FileChannel channel = open(); WritebackSync sync = new WritebackSync(channel)) {
            sync.written(WritebackSync.SYNC_EVERY_BYTES - 1);
            sync.finish();
            assertThat(writebackThreads()).isZero();
        }
    }

    @Test
    void syncsInTheBackgroundAndLeavesNoThreadBehind() throws IOException {
        try (FileChannel channel = open()) {
            try (WritebackSync sync = new WritebackSync(channel)) {
                channel.write(ByteBuffer.allocate(1024));
                sync.written(WritebackSync.SYNC_EVERY_BYTES);
                assertThat(writebackThreads()).isEqualTo(1);
                sync.finish();
            }
            assertThat(writebackThreads()).isZero();
        }
    }

    @Test
    void aFailedSyncIsReportedNotSwallowed() throws IOException {
        FileChannel channel = open();
        try (WritebackSync sync = new WritebackSync(channel)) {
            channel.close();
            sync.written(WritebackSync.SYNC_EVERY_BYTES);
            assertThatThrownBy(sync::finish).isInstanceOf(ClosedChannelException.class);
        }
        assertThat(writebackThreads()).isZero();
    }

    private FileChannel open() throws IOException {
        return FileChannel.open(dir.resolve("archive.part"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    private static long writebackThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("etcd-backup-writeback") && t.isAlive()).count();
    }
}
