package io.github.etcdbackup.testkit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Juju 3.x behaviour of the simulator against one 3-unit etcd model: real work, traps and fault switches. */
@Timeout(240)
class JujuSimulatorTest {
    @TempDir
    static Path dir;
    static JujuSimulator sim;

    @BeforeAll
    static void startModel() {
        sim = JujuSimulator.builder().jujuVersion("3.4.2").workDir(dir.resolve("model"))
                .defaultRunWait(Duration.ofSeconds(2)).build();
        sim.deploy("etcd", 3);
        sim.deploy("easyrsa", 1);
        sim.integrate("etcd", "easyrsa");
        Map<String, String> keys = new LinkedHashMap<>();
        for (int i = 0; i < 500; i++) {
            keys.put("/registry/pods/default/pod-" + i, "{\"kind\":\"Pod\",\"n\":" + i + "}");
        }
        sim.cluster("etcd").unit(0).putAll(keys);
    }

    @AfterAll
    static void stopModel() {
        sim.close();
        assertThat(LeftoverProcesses.etcdOrSshdUnder(dir)).isEmpty();
    }

    @AfterEach
    void clearFaults() {
        sim.clearFaults();
    }

    @Test
    void aJujuCallIsFast() {
        long[] nanos = new long[31];
        for (int i = 0; i < nanos.length; i++) {
            long start = System.nanoTime();
            assertThat(Juju.run(sim, "status", "--format", "yaml").exitCode()).isZero();
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        long medianMillis = nanos[nanos.length / 2] / 1_000_000;
        System.out.println("juju status --format yaml median: " + medianMillis + " ms");
        assertThat(medianMillis).isLessThan(100);
    }

    @Test
    void snapshotV3IsARealArchiveThatSshStreamsByteForByte() throws Exception {
        CommandResult run = Juju.run(sim, "run", "etcd/0", "snapshot", "keys-version=v3", "--wait=2m",
                "--format", "yaml");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        String out = run.stdoutText();
        assertThat(out).contains("status: completed", "return-code: 0", "stdout: |\n      ./\n      ./db\n",
                "version: |-\n        etcdctl version: 3.4.23\n        API version: 3.4\n");
        String path = group("path: (\\S+)", out);
        String sha = group("sha256: (\\S+)", out);
        Path host = sim.unit("etcd/0").hostPath(path);
        assertThat(EtcdCharm.sha256(host)).isEqualTo(sha);
        CommandResult listing = Commands.run(List.of("tar", "tzf", host.toString()));
        assertThat(listing.stdoutText()).isEqualTo("./\n./db\n");

        CommandResult cat = Juju.run(sim, "ssh", "--pty=false", "etcd/0", "--", "sudo", "cat", path);
        assertThat(cat.exitCode()).isZero();
        assertThat(cat.stdout()).isEqualTo(Files.readAllBytes(host));
        CommandResult tail = Juju.run(sim, "ssh", "etcd/0", "--", "sudo", "tail", "-c", "+101", path);
        assertThat(tail.stdout()).isEqualTo(Arrays.copyOfRange(Files.readAllBytes(host), 100, (int) Files.size(host)));

        Path downloads = Files.createDirectories(dir.resolve("downloads"));
        CommandResult scp = Juju.run(sim, downloads, null, "scp", "etcd/0:" + path, ".");
        assertThat(scp.exitCode()).as(scp.stderr()).isZero();
        assertThat(EtcdCharm.sha256(downloads.resolve(host.getFileName()))).isEqualTo(sha);
    }

    @Test
    void snapshotV2UsesEtcdctlBackup() {
        CommandResult run = Juju.run(sim, "run", "etcd/1", "snapshot", "keys-version=v2", "--format", "json");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stdoutText()).startsWith("{\"etcd/1\":{\"id\":").contains("./member/wal/",
                "ETCDCTL_API=2 /snap/bin/etcd.etcdctl backup --data-dir /var/snap/etcd/current/");
        String path = group("\"path\":\"([^\"]+)\"", run.stdoutText());
        String listing = Commands.run(List.of("tar", "tzf", sim.unit("etcd/1").hostPath(path).toString()))
                .stdoutText();
        assertThat(listing).contains("./member/snap/db", "./member/wal/0000000000000000-0000000000000000.wal");
    }

    @Test
    void execRunsAShellCommandOnTheUnit() {
        CommandResult exec = Juju.run(sim, "exec", "--unit", "etcd/1", "--", "sudo", "grep", "enable-v2",
                "/var/snap/etcd/common/etcd.conf.yml");
        assertThat(exec.exitCode()).isZero();
        assertThat(exec.stdoutText()).isEqualTo("enable-v2: true\n");
        CommandResult etcdctl = Juju.run(sim, "ssh", "etcd/1", "--", "sudo", "ETCDCTL_API=3",
                "/snap/bin/etcd.etcdctl", "--endpoints", "https://127.0.0.1:2379",
                "--cacert", "/var/snap/etcd/common/ca.crt", "--cert", "/var/snap/etcd/common/client.crt",
                "--key", "/var/snap/etcd/common/client.key", "endpoint", "health");
        assertThat(etcdctl.exitCode()).as(etcdctl.stderr()).isZero();
        assertThat(etcdctl.stdoutText() + etcdctl.stderr()).contains("is healthy");
    }

    /** Juju hands its stdin to OpenSSH (ssh_machine.go: {@code cmd.Stdin = ctx.GetStdin()}): the command reads it. */
    @Test
    void sshPassesTheCallersStdinToTheCommandUntilItsEnd() {
        byte[] input = new byte[300_000];
        Arrays.fill(input, (byte) 'x');
        input[input.length - 1] = '\n';
        CommandResult count = Juju.run(sim, null, input, "ssh", "--pty=false", "etcd/0", "--", "sudo", "wc", "-c");
        assertThat(count.exitCode()).as(count.stderr()).isZero();
        assertThat(count.stdoutText().strip()).isEqualTo("300000");
        CommandResult lines = Juju.run(sim, null, "a 1\nb 2\n".getBytes(StandardCharsets.UTF_8), "ssh", "etcd/0",
                "--", "sh", "-c", "'while read w n; do echo \"$n$w\"; done; echo end'");
        assertThat(lines.stdoutText()).isEqualTo("1a\n2b\nend\n");
        CommandResult none = Juju.run(sim, "ssh", "etcd/0", "--", "wc", "-c");
        assertThat(none.stdoutText().strip()).isEqualTo("0");
    }

    /**
     * Juju hands its stderr to OpenSSH too: what the command prints there reaches the caller while it runs, not when
     * it ends. The command waits for its stdin's end, which the caller sends only once it has seen the line.
     */
    @Test
    void sshPassesTheCommandsStderrWhileItRuns() throws Exception {
        Process juju = new ProcessBuilder(sim.jujuExecutable().toString(), "ssh", "etcd/0", "--", "sh", "-c",
                "'echo started /home/ubuntu >&2; cat; echo ended >&2'").start();
        try {
            BufferedReader err = new BufferedReader(new InputStreamReader(juju.getErrorStream(),
                    StandardCharsets.UTF_8));
            assertThat(err.readLine()).isEqualTo("started /home/ubuntu");
            assertThat(juju.isAlive()).isTrue();
            juju.getOutputStream().write("done\n".getBytes(StandardCharsets.UTF_8));
            juju.getOutputStream().close();
            assertThat(juju.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(err.readLine()).isEqualTo("ended");
            assertThat(new String(juju.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("done\n");
            assertThat(juju.exitValue()).isZero();
        } finally {
            juju.destroyForcibly();
        }
    }

    /** A client that goes away ends its command's input, as sshd ends the session of a dropped connection. */
    @Test
    void aCommandWaitingForInputEndsWhenItsClientIsKilled() throws Exception {
        Path ended = sim.unit("etcd/0").hostPath("/home/ubuntu/input-ended");
        Files.deleteIfExists(ended);
        Process juju = new ProcessBuilder(sim.jujuExecutable().toString(), "ssh", "etcd/0", "--", "sh", "-c",
                "'echo waiting >&2; cat > /dev/null; echo > /home/ubuntu/input-ended'").start();
        try {
            BufferedReader err = new BufferedReader(new InputStreamReader(juju.getErrorStream(),
                    StandardCharsets.UTF_8));
            assertThat(err.readLine()).isEqualTo("waiting");
            assertThat(ended).doesNotExist();
            // The client and all it started, as the transport kills a juju call; its stdin was never closed.
            juju.descendants().forEach(ProcessHandle::destroyForcibly);
            juju.destroyForcibly().waitFor();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(ended) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(ended).exists();
        } finally {
            juju.descendants().forEach(ProcessHandle::destroyForcibly);
            juju.destroyForcibly();
        }
    }

    @Test
    void aMissingFileOverSshExitsNonZeroLikeTheRemoteCommand() {
        CommandResult cat = Juju.run(sim, "ssh", "etcd/0", "--", "sudo", "cat", "/home/ubuntu/no-such-file");
        assertThat(cat.exitCode()).isEqualTo(1);
        assertThat(cat.stderr()).isEqualTo("cat: /home/ubuntu/no-such-file: No such file or directory\n");
        assertThat(Juju.run(sim, "ssh", "etcd/7", "--", "true").stderr())
                .isEqualTo("ERROR unit \"etcd/7\" not found\n");
    }

    /**
     * The dossier expected "cluster is healthy" with a dead member; etcdctl 3.4.23 really prints
     * "cluster is degraded" and exits 5, which the charm turns into a Python dict. The action still completes:
     * the trap is a completed health action that says nothing about members.
     */
    @Test
    void aDeadMemberMakesTheHealthActionCompleteWithTheCharmsDict() {
        sim.stopEtcd("etcd/2");
        try {
            sim.cluster("etcd").awaitHealthy(Duration.ofSeconds(30)); // a new raft leader may be needed first
            CommandResult health = Juju.run(sim, "run", "etcd/0", "health", "--format", "yaml");
            assertThat(health.exitCode()).isZero();
            assertThat(health.stdoutText()).contains("status: completed", "return-code: 0",
                    "output: '{''status'': ''cluster is unhealthy see log file for details.'', ''units'':\n      []}'");
            CommandResult etcdctl = Commands.run(List.of("etcdctl", "--endpoints", sim.unit("etcd/0").clientUrl(),
                    "cluster-health"), sim.unit("etcd/0").etcdctlV2Env());
            assertThat(etcdctl.exitCode()).isEqualTo(5);
            assertThat(etcdctl.stdoutText()).contains("is unreachable").endsWith("cluster is degraded\n");
            String status = Juju.run(sim, "status", "--format", "yaml").stdoutText();
            assertThat(status).contains("current: blocked\n          message: Errored with 0 known peers",
                    "current: blocked\n          message: UnHealthy with 3 known peers");
        } finally {
            sim.startEtcd("etcd/2");
            sim.cluster("etcd").awaitHealthy(Duration.ofSeconds(30));
        }
    }

    @Test
    void restoreOnANonLeaderFailsButTheCliSucceeds() {
        CommandResult run = Juju.run(sim, "run", "etcd/2", "restore", "--format", "yaml");
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdoutText()).contains("message: This action can only be run on the leader unit",
                "status: failed", "return-code: 0");
    }

    @Test
    void aCrashedActionMakesJuju3ExitOne() {
        sim.dataOnAttachedStorage("etcd/0", true);
        CommandResult run = Juju.run(sim, "run", "etcd/0", "snapshot", "--format", "yaml");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stdoutText()).contains("cp: cannot stat '/var/snap/etcd/current//member/snap/db'",
                "message: exit status 1", "return-code: 1");
        assertThat(run.stderr()).contains("ERROR the following task failed:");
    }

    @Test
    void aReadOnlyTargetFailsTheSnapshot() {
        sim.readOnly("etcd/0", "/mnt/backups", true);
        CommandResult run = Juju.run(sim, "run", "etcd/0", "snapshot", "target=/mnt/backups", "--format", "yaml");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stdoutText()).contains("mkdir: cannot create directory '/mnt/backups': Read-only file system");
    }

    @Test
    void anInvalidKeysVersionIsAnActionFailWithExitZero() {
        CommandResult run = Juju.run(sim, "run", "etcd/0", "snapshot", "keys-version=v4", "--format", "yaml");
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdoutText()).contains("message: keys-version must be either v2 or v3", "status: failed");
    }

    @Test
    void actionArgumentsAreReadAsYamlAndTheControllerRefusesWhatTheSchemaDoesNot() {
        // "yes" is a YAML 1.1 boolean; the charm's schema wants a string: nothing is queued, Juju exits 0.
        CommandResult typed = Juju.run(sim, "run", "etcd/0", "snapshot", "keys-version=yes", "--format", "yaml");
        assertThat(typed.exitCode()).isZero();
        assertThat(typed.stdoutText()).isEmpty();
        assertThat(typed.stderr()).matches("Operation \\d+ failed to schedule any tasks:\n"
                + "validation failed: keys-version: Invalid type\\. Expected: string, given: boolean\n");
        CommandResult unknown = Juju.run(sim, "run", "etcd/0", "snapshot", "force=true", "--format", "yaml");
        assertThat(unknown.stderr()).contains("(root): Additional property force is not allowed");
        // --string-args passes the word as written, and the charm then refuses the value itself.
        CommandResult raw = Juju.run(sim, "run", "etcd/0", "snapshot", "keys-version=yes", "--string-args",
                "--format", "yaml");
        assertThat(raw.stdoutText()).contains("message: keys-version must be either v2 or v3");
        // " #" starts a YAML comment: the charm is given the path without its tail.
        CommandResult commented = Juju.run(sim, "run", "etcd/0", "snapshot", "target=/home/ubuntu/cut #tail",
                "--format", "yaml");
        assertThat(commented.exitCode()).as(commented.stderr()).isZero();
        assertThat(commented.stdoutText()).contains("path: /home/ubuntu/cut/etcd-snapshot-")
                .doesNotContain("tail");
        CommandResult notYaml = Juju.run(sim, "run", "etcd/0", "snapshot", "target=@daily", "--format", "yaml");
        assertThat(notYaml.exitCode()).isEqualTo(1);
        assertThat(notYaml.stderr()).startsWith("ERROR yaml: ");
        CommandResult twoApps = Juju.run(sim, "run", "etcd/0", "easyrsa/0", "health");
        assertThat(twoApps.stderr()).contains("all units must be of the same application");
    }

    @Test
    void theDefaultWaitExpires() {
        sim.slowActions(Duration.ofSeconds(4));
        CommandResult run = Juju.run(sim, "run", "etcd/0", "health", "--format", "yaml");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stdoutText()).isEmpty();
        assertThat(run.stderr()).endsWith("ERROR timed out waiting for results from: unit etcd/0\n");
        String task = group("task (\\d+) on unit-etcd-0", run.stderr());
        // Juju 3's show-task --wait says it in other words than 2.9's show-action-output.
        CommandResult tooShort = Juju.run(sim, "show-task", task, "--wait=1s", "--format", "yaml");
        assertThat(tooShort.exitCode()).isEqualTo(1);
        assertThat(tooShort.stdoutText()).isEmpty();
        assertThat(tooShort.stderr()).isEqualTo("ERROR maximum wait time reached\n");
        CommandResult later = Juju.run(sim, "show-task", task, "--wait=1m", "--format", "yaml");
        assertThat(later.stdoutText()).contains("status: completed");
    }

    @Test
    void sshStreamFaults() throws Exception {
        // Not etcd's live db: etcd may write it between reading it here and through juju ssh (it grew when this test
        // ran alone, before the others' writes had settled).
        byte[] db = new byte[256 * 1024 + 3];
        new java.util.Random(310).nextBytes(db);
        String unitPath = "/var/snap/etcd/common/faults-test.bin";
        Files.write(sim.unit("etcd/1").hostPath(unitPath), db);

        sim.cutSshStreamAfter(1000, 1);
        CommandResult cut = Juju.run(sim, "ssh", "etcd/1", "--", "sudo", "cat", unitPath);
        assertThat(cut.exitCode()).isEqualTo(255);
        assertThat(cut.stdout()).hasSize(1000).isEqualTo(Arrays.copyOf(db, 1000));
        assertThat(Juju.run(sim, "ssh", "etcd/1", "--", "sudo", "cat", unitPath).stdout()).hasSize(db.length);

        sim.flipSshByte(10, 1);
        byte[] flipped = Juju.run(sim, "ssh", "etcd/1", "--", "sudo", "cat", unitPath).stdout();
        assertThat(flipped).hasSize(db.length);
        assertThat(flipped[10]).isEqualTo((byte) ~db[10]);

        sim.slowOutput(20_000);
        long start = System.nanoTime();
        Juju.run(sim, "ssh", "etcd/1", "--", "head", "-c", "10000", unitPath);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(400));

        sim.slowOutput(0);
        byte[] pty = Juju.run(sim, "ssh", "--pty=true", "etcd/1", "--", "printf", "'a\\nb\\n'").stdout();
        assertThat(new String(pty, StandardCharsets.UTF_8)).isEqualTo("a\r\nb\r\n");
    }

    @Test
    void sshThroughALinkRunsUnitCommandsOverOpenSshWithTheSameOutputAndFaults() throws Exception {
        // Not etcd's live db: etcd may write it between reading it here and through the link.
        byte[] db = new byte[3 * 1024 * 1024 + 7];
        new java.util.Random(22).nextBytes(db);
        String unitPath = "/var/snap/etcd/common/link-test.bin";
        Files.write(sim.unit("etcd/1").hostPath(unitPath), db);
        CommandResult missingHere = Juju.run(sim, "ssh", "etcd/0", "--", "sudo", "cat", "/home/ubuntu/no-such-file");
        try (LocalSshd sshd = LocalSshd.start(dir.resolve("link-sshd"));
             ShapedLink link = ShapedLink.start(sshd.host(), sshd.port(), Duration.ofMillis(20), 100_000_000)) {
            sim.sshThrough(sshd, link);
            long start = System.nanoTime();
            assertThat(Juju.run(sim, "ssh", "etcd/1", "--", "sudo", "cat", unitPath).stdout()).isEqualTo(db);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("at least the link's round trip")
                    .isGreaterThanOrEqualTo(link.roundTrip());
            assertThat(Files.readString(sshd.logFile())).contains("Accepted publickey");

            CommandResult range = Juju.run(sim, "ssh", "--pty=false", "etcd/1", "--", "sudo", "dd",
                    "if='" + unitPath + "'", "bs=1M", "iflag=skip_bytes,count_bytes", "skip=100", "count=50",
                    "status=none");
            assertThat(range.exitCode()).isZero();
            assertThat(range.stdout()).isEqualTo(Arrays.copyOfRange(db, 100, 150));

            CommandResult stdin = Juju.run(sim, null, "a 1\nb 2\n".getBytes(StandardCharsets.UTF_8), "ssh",
                    "--pty=false", "etcd/1", "--", "sudo", "sh", "-c", "'while read w n; do echo \"$n$w\" >&2; done'");
            assertThat(stdin.exitCode()).isZero();
            assertThat(stdin.stderr()).as("stdin passed on by OpenSSH").isEqualTo("1a\n2b\n");

            CommandResult missing = Juju.run(sim, "ssh", "etcd/0", "--", "sudo", "cat", "/home/ubuntu/no-such-file");
            assertThat(missing.exitCode()).isEqualTo(missingHere.exitCode()).isEqualTo(1);
            assertThat(missing.stderr()).isEqualTo(missingHere.stderr());

            // As Juju's own: the juju process becomes the ssh process, whose output no simulator thread relays.
            Process straight = new ProcessBuilder(sim.jujuExecutable().toString(), "ssh", "etcd/1", "--", "sleep", "5")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try {
                long until = System.nanoTime() + 10_000_000_000L;
                String running = "";
                while (!running.endsWith("/ssh") && System.nanoTime() < until) {
                    Thread.sleep(20);
                    running = straight.info().command().orElse("");
                }
                assertThat(running).endsWith("/ssh");
            } finally {
                straight.destroy();
            }

            sim.cutSshStreamAfter(1000, 1);
            CommandResult cut = Juju.run(sim, "ssh", "etcd/1", "--", "sudo", "cat", unitPath);
            assertThat(cut.exitCode()).isEqualTo(255);
            assertThat(cut.stdout()).isEqualTo(Arrays.copyOf(db, 1000));
        } finally {
            sim.sshThrough(null, null);
        }
    }

    @Test
    void scpWritesIntoAFifoAsTheBytesArriveAndFailsLikeJuju() throws Exception {
        Path file = sim.unit("etcd/2").dataDir().resolve("member/snap/db");
        byte[] db = Files.readAllBytes(file);
        Path unitFile = sim.unit("etcd/2").hostPath("/home/ubuntu/it's here/db copy");
        Files.createDirectories(unitFile.getParent());
        Files.write(unitFile, db);
        String quoted = "'/home/ubuntu/it'\\''s here/db copy'";

        FifoReader legacy = FifoReader.start(dir.resolve("fifo-legacy"));
        CommandResult copied = Juju.run(sim, "scp", "--", "-O", "-T", "etcd/2:" + quoted, legacy.fifo().toString());
        assertThat(copied.exitCode()).as(copied.stderr()).isZero();
        assertThat(legacy.bytes()).isEqualTo(db);
        assertThat(Files.readAttributes(legacy.fifo(), BasicFileAttributes.class).isOther())
                .as("still a FIFO").isTrue();

        CommandResult strict = Juju.run(sim, "scp", "--", "-O", "etcd/2:" + quoted, legacy.fifo().toString());
        assertThat(strict.exitCode()).isEqualTo(1);
        assertThat(strict.stderr()).isEqualTo("ERROR exit status 1 (protocol error: filename does not match request)\n");

        CommandResult missing = Juju.run(sim, "scp", "-m", "k8s", "--", "-O", "-T", "etcd/2:'/home/ubuntu/nope'",
                legacy.fifo().toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).isEqualTo("ERROR exit status 1 (scp: /home/ubuntu/nope: No such file or directory)\n");

        FifoReader sftp = FifoReader.start(dir.resolve("fifo-sftp"));
        CommandResult seek = Juju.run(sim, "scp", "etcd/2:/home/ubuntu/it's here/db copy", sftp.fifo().toString());
        assertThat(seek.exitCode()).isEqualTo(1);
        assertThat(seek.stderr()).contains("Illegal seek");
        assertThat(sftp.bytes()).isEmpty();

        sim.cutScpStreamAfter(1000, 1);
        FifoReader cut = FifoReader.start(dir.resolve("fifo-cut"));
        CommandResult broken = Juju.run(sim, "scp", "--", "-O", "-T", "etcd/2:" + quoted, cut.fifo().toString());
        assertThat(broken.exitCode()).isEqualTo(1);
        assertThat(broken.stderr()).isEqualTo("ERROR exit status 1 (Broken pipe)\n");
        assertThat(cut.bytes()).isEqualTo(Arrays.copyOf(db, 1000));
    }

    @Test
    void sudoThatWantsAPasswordFailsSshButNotScpOrExec() {
        String unitPath = "/var/snap/etcd/current/member/snap/db";
        sim.sudoRequiresPassword(true);
        CommandResult cat = Juju.run(sim, "ssh", "--pty=false", "etcd/1", "--", "sudo", "cat", unitPath);
        assertThat(cat.exitCode()).isEqualTo(1);
        assertThat(cat.stdout()).isEmpty();
        assertThat(cat.stderr()).isEqualTo("sudo: a terminal is required to read the password; either use the -S"
                + " option to read from standard input or configure an askpass helper\nsudo: a password is required\n");
        assertThat(Juju.run(sim, "ssh", "etcd/1", "--", "sudo", "-n", "true").stderr())
                .isEqualTo("sudo: a password is required\n");
        assertThat(Juju.run(sim, "exec", "--unit", "etcd/1", "--", "sudo", "true").exitCode()).isZero();

        assertThat(Juju.run(sim, "scp", "etcd/1:" + unitPath, dir.resolve("db-without-sudo").toString()).exitCode())
                .isZero();
        sim.sudoRequiresPassword(false);
        assertThat(Juju.run(sim, "ssh", "etcd/1", "--", "sudo", "true").exitCode()).isZero();
    }

    /** A FIFO and a thread that reads it to its end, as the transport's scp fallback does. */
    private record FifoReader(Path fifo, CompletableFuture<byte[]> read) {
        static FifoReader start(Path fifo) {
            Commands.run(List.of("mkfifo", fifo.toString())).orThrow();
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(
                    () -> {
                        try (InputStream in = Files.newInputStream(fifo)) {
                            return in.readAllBytes();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
            return new FifoReader(fifo, read);
        }

        byte[] bytes() throws Exception {
            return read.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void anUnreachableControllerFailsEveryCommandButVersion() {
        sim.controllerUnreachable(true);
        CommandResult status = Juju.run(sim, "status", "--format", "yaml");
        assertThat(status.exitCode()).isEqualTo(1);
        assertThat(status.stderr()).startsWith("ERROR cannot connect to API");
        assertThat(Juju.run(sim, "version").exitCode()).isZero();
    }

    @Test
    void modelSelectionAndUnknownCommands() {
        assertThat(Juju.run(sim, "status", "-m", "testkit:admin/k8s", "--format", "json").exitCode()).isZero();
        CommandResult other = Juju.run(sim, "status", "-m", "other");
        assertThat(other.exitCode()).isEqualTo(1);
        assertThat(other.stderr()).isEqualTo("ERROR model testkit:admin/other not found\n");
        assertThat(Juju.run(sim, "run-action", "etcd/0", "health").exitCode()).isEqualTo(2);
    }

    @Test
    void restoreIntoANewApplicationBringsTheKeysBack() throws Exception {
        CommandResult snapshot = Juju.run(sim, "run", "etcd/leader", "snapshot", "keys-version=v3", "--wait=2m",
                "--format", "yaml");
        assertThat(snapshot.stdoutText()).as(snapshot.stderr()).startsWith("etcd/0:");
        String path = group("path: (\\S+)", snapshot.stdoutText());
        Path downloads = Files.createDirectories(dir.resolve("restore"));
        assertThat(Juju.run(sim, downloads, null, "scp", "etcd/0:" + path, ".").exitCode()).isZero();
        String archive = Path.of(path).getFileName().toString();

        CommandResult deploy = Juju.run(sim, "deploy", "etcd", "new-etcd", "--channel", "1.29/stable",
                "--base", "ubuntu@22.04", "--config", "channel=3.4/stable");
        assertThat(deploy.stderr()).isEqualTo("Deployed \"new-etcd\" from charm-hub charm \"etcd\", revision 760 in "
                + "channel 1.29/stable on ubuntu@22.04/stable\n");
        assertThat(Juju.run(sim, "config", "new-etcd", "channel").stdoutText()).isEqualTo("3.4/stable\n");
        // A charm from Charmhub comes with the store's revision 0 of its snapshot resource, not nothing.
        assertThat(Juju.run(sim, "resources", "new-etcd").stdoutText()).contains("snapshot   store    0");
        // No etcd until the certificates are there (layer-etcd missing_relation_notice).
        awaitStatus("new-etcd/0:\n        workload-status:\n          current: blocked\n"
                + "          message: Missing relation to certificate authority.");
        assertThat(sim.unit("new-etcd/0").running()).isFalse();
        assertThat(Juju.run(sim, "integrate", "new-etcd", "easyrsa").exitCode()).isZero();
        awaitStatus("new-etcd/0:\n        workload-status:\n          current: active\n"
                + "          message: Healthy with 1 known peer");
        assertThat(Juju.run(sim, downloads, null, "attach-resource", "new-etcd", "snapshot=./" + archive).exitCode())
                .isZero();
        CommandResult restore = Juju.run(sim, "run", "new-etcd/0", "restore", "--wait=5m", "--format", "yaml");
        assertThat(restore.exitCode()).as(restore.stdoutText()).isZero();
        assertThat(restore.stdoutText()).contains("status: completed", "tar: */wal: Not found in archive",
                "restored snapshot");
        // The action completed before etcd serves again, as the charm's does: the plan has to wait itself.
        assertThat(Juju.run(sim, "status", "new-etcd", "--format", "yaml").stdoutText())
                .contains("message: Errored with 0 known peers");
        awaitStatus("new-etcd/0:\n        workload-status:\n          current: active\n"
                + "          message: Healthy with 1 known peer");
        assertThat(Juju.run(sim, "add-unit", "new-etcd", "-n", "2").exitCode()).isZero();
        awaitStatus("new-etcd/2:\n        workload-status:\n          current: active\n"
                + "          message: Healthy with 3 known peers");
        assertThat(sim.unit("new-etcd/2").count("/registry/pods/")).isEqualTo(500);

        CommandResult remove = Juju.run(sim, null, "n\n".getBytes(StandardCharsets.UTF_8),
                "remove-application", "new-etcd");
        assertThat(remove.exitCode()).isEqualTo(1);
        assertThat(remove.stdoutText()).startsWith("will remove application new-etcd\n- will remove unit new-etcd/0\n");
        assertThat(remove.stderr()).endsWith("Continue [y/N]? ERROR application removal: aborted\n");
        assertThat(Juju.run(sim, "remove-application", "new-etcd", "--no-prompt").exitCode()).isZero();
        assertThat(Juju.run(sim, "status", "--format", "yaml").stdoutText()).doesNotContain("new-etcd");
    }

    @Test
    void restoreOnAFollowerRejoinsAfterTheActionCompletes() {
        // A fresh single-purpose application keeps the shared etcd untouched.
        sim.deploy("etcd", "rejoin-etcd", 2);
        sim.integrate("rejoin-etcd", "easyrsa");
        // The resource is the store's placeholder: the charm's "Missing snapshot" guard passes and restore fails.
        CommandResult restore = Juju.run(sim, "run", "rejoin-etcd/0", "restore", "--wait=2m", "--format", "yaml");
        assertThat(restore.exitCode()).isEqualTo(1);
        assertThat(restore.stdoutText()).contains("message: exit status 1", "Traceback");
        String status = Juju.run(sim, "status", "rejoin-etcd", "--format", "yaml").stdoutText();
        // The charm dismantled the cluster before it failed: the leader is stopped, the follower waits.
        assertThat(status).as(restore.stdoutText()).doesNotContain("Healthy with 2 known peers")
                .contains("Waiting to retry etcd registration", "Errored with 0 known peers");
        assertThat(Juju.run(sim, "remove-application", "rejoin-etcd", "--no-prompt").exitCode()).isZero();
    }

    private static void awaitStatus(String fragment) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String status = "";
        while (System.nanoTime() < deadline) {
            status = Juju.run(sim, "status", "--format", "yaml").stdoutText();
            if (status.contains(fragment)) {
                return;
            }
            Thread.sleep(250);
        }
        assertThat(status).contains(fragment);
    }

    private static String group(String regex, String text) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        assertThat(matcher.find()).as("%s in %s", regex, text).isTrue();
        return matcher.group(1);
    }

}
