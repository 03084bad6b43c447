package io.github.etcdbackup.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Builds snapshot archives the way the charm does ({@code tar cvfz ../x.tar.gz .} in a dir holding {@code db}). */
public final class TestArchives {
    private TestArchives() {
    }

    /** Bytes shaped like a bbolt file: random, with the meta magic where bbolt puts it. */
    public static byte[] bboltLikeDb(int size, long seed) {
        byte[] db = new byte[size];
        new Random(seed).nextBytes(db);
        db[16] = (byte) 0xED;
        db[17] = (byte) 0xDA;
        db[18] = 0x0C;
        db[19] = (byte) 0xED;
        return db;
    }

    /** A v3 archive holding {@code ./db}, made with the system tar like the charm. */
    public static byte[] v3Archive(byte[] db, Path workDir) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(workDir, "archive");
        Path content = Files.createDirectory(dir.resolve("content"));
        Files.write(content.resolve("db"), db);
        Path archive = dir.resolve("out.tar.gz");
        run(List.of("tar", "czf", archive.toString(), "-C", content.toString(), "."));
        return Files.readAllBytes(archive);
    }

    /** A v2 archive as {@code etcdctl backup} leaves it: {@code ./member/snap/db} and one WAL file. */
    public static byte[] v2Archive(byte[] db, Path workDir) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(workDir, "archive");
        Path content = Files.createDirectory(dir.resolve("content"));
        Files.createDirectories(content.resolve("member/snap"));
        Files.createDirectories(content.resolve("member/wal"));
        Files.write(content.resolve("member/snap/db"), db);
        Files.write(content.resolve("member/wal/0000000000000000-0000000000000000.wal"), new byte[4096]);
        Path archive = dir.resolve("out.tar.gz");
        run(List.of("tar", "czf", archive.toString(), "-C", content.toString(), "."));
        return Files.readAllBytes(archive);
    }

    public static void run(List<String> argv) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(argv + " failed: " + output);
        }
    }
}
