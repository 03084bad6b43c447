package io.github.etcdbackup.cli;

import io.github.etcdbackup.testing.AgeKeys;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.store.s3.S3Server;
import io.github.etcdbackup.testkit.JujuSimulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every command of the command line against the simulator (real etcd units behind a juju that prints what Juju
 * prints), with the exit code each outcome is documented to give.
 */
@Timeout(600)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliOnSimulatorTest {
    @TempDir
    static Path work;
    private static JujuSimulator sim;
    private static Path backups;

    /** What one run printed and returned. */
    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    @BeforeAll
    static void startModel() throws InterruptedException {
        sim = JujuSimulator.builder().jujuVersion("3.4.2").workDir(work.resolve("model")).build();
        sim.deployCharmedKubernetes(3);
        sim.putCommitted("etcd/0", Map.of("/registry/pods/default/a", "1", "/registry/pods/default/b", "2"));
        backups = work.resolve("backups");
    }

    @AfterAll
    static void stopModel() {
        sim.close();
    }

    @AfterEach
    void clearFaults() {
        sim.clearFaults();
    }

    private static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = EtcdBackupCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    /** The command through the simulator's juju ({@code --juju-path}, after the other arguments). */
    private static Result juju(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--juju-path", sim.jujuExecutable().toString()));
        return cli(all.toArray(String[]::new));
    }

    private static List<Path> archives() throws Exception {
        try (Stream<Path> files = Files.list(backups)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".tar.gz")).sorted().toList();
        }
    }

    @Test
    @Order(1)
    void backupWritesAVerifiedArchiveAndPrintsItAsJson() throws Exception {
        Result result = juju("backup", "etcd/leader", "--dir", backups.toString(), "--json");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("\"sha256\"", "\"unit\" : \"" + sim.leader("etcd") + "\"",
                "\"keysVersion\" : \"V3\"", "\"encrypted\" : false");
        assertThat(archives()).hasSize(1);
    }

    @Test
    @Order(2)
    void listVerifyAndDrillReadTheStore() {
        Result list = cli("list", "--dir", backups.toString());
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.out()).contains(".tar.gz", sim.leader("etcd"));
        assertThat(cli("list", "--dir", backups.toString(), "--json").out()).startsWith("[").contains("\"location\"");

        Result verify = cli("verify", "--dir", backups.toString());
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(verify.out()).startsWith("ok ");

        Result drill = cli("drill", "--dir", backups.toString(), "--require-prefix", "/registry/pods/");
        assertThat(drill.exitCode()).as(drill.toString()).isZero();
        assertThat(drill.out()).contains("restored", "2 keys");
        Result late = cli("drill", "--dir", backups.toString(), "--drill-timeout", "1ms", "--json");
        assertThat(late.exitCode()).as("a drill out of time is a deadline, not a bad archive: " + late)
                .isEqualTo(ExitCode.TIMEOUT);
        assertThat(late.out()).contains("\"failure\" : \"TIMEOUT\"");
    }

    @Test
    @Order(2)
    void aBucketWorksLikeTheDirectoryWithCredentialsFromTheSdkChain() throws Exception {
        try (S3Server s3 = S3Server.start(Files.createDirectories(work.resolve("s3")))) {
            s3.createBucket("cli");
            // The SDK's default chain reads these system properties as it reads AWS_ACCESS_KEY_ID and
            // AWS_SECRET_ACCESS_KEY; no credential is ever a command-line argument.
            System.setProperty("aws.accessKeyId", S3Server.ACCESS_KEY);
            System.setProperty("aws.secretAccessKey", S3Server.SECRET_KEY);
            try {
                String[] bucket = {"--s3-bucket", "cli", "--s3-endpoint", s3.endpoint().toString(),
                        "--s3-prefix", "etcd/prod"};
                Result backup = juju(concat(new String[] {"backup", "etcd/leader"}, bucket));
                assertThat(backup.exitCode()).as(backup.toString()).isZero();
                assertThat(backup.out()).startsWith("s3://cli/etcd/prod/");

                Result list = cli(concat(new String[] {"list"}, bucket));
                assertThat(list.out()).contains(".tar.gz", sim.leader("etcd"));
                Result verify = cli(concat(new String[] {"verify"}, bucket));
                assertThat(verify.exitCode()).as(verify.toString()).isZero();
                assertThat(verify.out()).startsWith("ok ");
                Result drill = cli(concat(new String[] {"drill", "--require-prefix", "/registry/pods/"}, bucket));
                assertThat(drill.exitCode()).as(drill.toString()).isZero();
                assertThat(drill.out()).contains("2 keys");
                Result prune = cli(concat(new String[] {"prune", "--keep-last", "1"}, bucket));
                assertThat(prune.exitCode()).as(prune.toString()).isZero();

                Path restoreDir = work.resolve("from-bucket");
                Result plan = juju(concat(new String[] {"restore", "plan", "--dir", restoreDir.toString()}, bucket));
                assertThat(plan.exitCode()).as(plan.toString()).isZero();
                assertThat(SnapshotStore.open(restoreDir).list()).singleElement()
                        .satisfies(s -> assertThat(backup.out()).contains(s.name()));
            } finally {
                System.clearProperty("aws.accessKeyId");
                System.clearProperty("aws.secretAccessKey");
            }
            Result denied = cli("list", "--s3-bucket", "cli", "--s3-endpoint", s3.endpoint().toString());
            assertThat(denied.exitCode()).as("no credentials: " + denied).isNotZero();
            assertThat(denied.err()).contains("s3://cli/");
        }
    }

    private static String[] concat(String[] first, String[] second) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(second));
        return all.toArray(String[]::new);
    }

    @Test
    @Order(3)
    void healthIsSevenWhenAMemberIsDown() {
        Result healthy = juju("health", "etcd/0");
        assertThat(healthy.exitCode()).as(healthy.toString()).isZero();
        assertThat(healthy.out()).contains("etcd/0: healthy");

        sim.stopEtcd("etcd/2");
        try {
            Result degraded = juju("health", "etcd/0", "--json");
            assertThat(degraded.exitCode()).as(degraded.toString()).isEqualTo(ExitCode.UNHEALTHY);
            assertThat(degraded.out()).contains("\"healthy\" : false");
        } finally {
            sim.startEtcd("etcd/2");
        }
    }

    @Test
    @Order(4)
    void statusPrintsTheModel() {
        Result status = juju("status", "--json");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.out()).contains("\"jujuVersion\" : \"3.4.2\"", "\"name\" : \"etcd\"",
                "\"name\" : \"etcd/0\"");
    }

    @Test
    @Order(5)
    void restorePlanRunAndResume() {
        Result plan = juju("restore", "plan", "--dir", backups.toString(), "--units", "1");
        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        assertThat(plan.out()).contains("into new-etcd", "$ juju deploy etcd new-etcd", "juju attach-resource");

        Path journal = work.resolve("restore.journal");
        Result run = juju("restore", "run", "--dir", backups.toString(), "--units", "1", "--journal",
                journal.toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(sim.unit("new-etcd/0").count("/registry/")).isEqualTo(2);

        Result resume = juju("restore", "resume", "--journal", journal.toString(), "--json");
        assertThat(resume.exitCode()).as(resume.toString()).isZero();
        assertThat(resume.out()).contains("\"completed\" : true");
    }

    @Test
    @Order(6)
    void aRestoreIntoAMultiUnitApplicationIsRefusedWithEight() {
        sim.deploy("etcd", "busy-etcd", 2);
        Result refused = juju("restore", "plan", "--dir", backups.toString(), "--target", "busy-etcd");
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCode.RESTORE);
        assertThat(refused.err()).contains("RestoreRefusedException");
    }

    @Test
    @Order(7)
    void pruneIsADryRunUntilYes() throws Exception {
        assertThat(juju("backup", "--dir", backups.toString()).exitCode()).isZero();
        assertThat(archives()).hasSize(2);

        Result dry = cli("prune", "--dir", backups.toString(), "--keep-last", "1");
        assertThat(dry.exitCode()).as(dry.toString()).isZero();
        assertThat(dry.out()).contains("would delete 1, keeping 1", "add --yes");
        assertThat(archives()).hasSize(2);

        Result pruned = cli("prune", "--dir", backups.toString(), "--keep-last", "1", "--yes", "--json");
        assertThat(pruned.exitCode()).as(pruned.toString()).isZero();
        assertThat(pruned.out()).contains("\"executed\" : true");
        assertThat(archives()).hasSize(1);
    }

    @Test
    @Order(8)
    void aDamagedArchiveFailsVerifyWithFour() throws Exception {
        Path archive = archives().get(0);
        byte[] bytes = Files.readAllBytes(archive);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(archive, bytes);

        Result verify = cli("verify", "--dir", backups.toString(), "--json");
        assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(ExitCode.VERIFICATION_FAILED);
        assertThat(verify.out()).contains("\"ok\" : false", "SHA-256 is");
    }

    @Test
    void anEncryptedBackupVerifiesAndDrillsWithItsIdentity() throws Exception {
        Path key = AgeKeys.keygen(work, "cli-key.txt");
        Path encrypted = work.resolve("encrypted");
        Result backup = juju("backup", "--dir", encrypted.toString(), "--encrypt-to",
                AgeKeys.recipientOf(key).publicKey(), "--json");
        assertThat(backup.exitCode()).as(backup.toString()).isZero();
        assertThat(backup.out()).contains("\"encrypted\" : true", "\"recipients\"");

        Result atRest = cli("verify", "--dir", encrypted.toString());
        assertThat(atRest.exitCode()).as(atRest.toString()).isZero();
        assertThat(atRest.out()).contains("(ciphertext only)");
        Result opened = cli("verify", "--dir", encrypted.toString(), "--identity", key.toString(), "--json");
        assertThat(opened.exitCode()).as(opened.toString()).isZero();
        assertThat(opened.out()).contains("\"depth\" : \"CONTENTS\"");
        Result drill = cli("drill", "--dir", encrypted.toString(), "--identity", key.toString());
        assertThat(drill.exitCode()).as(drill.toString()).isZero();
        Result noIdentity = cli("drill", "--dir", encrypted.toString());
        assertThat(noIdentity.exitCode()).as(noIdentity.toString()).isEqualTo(ExitCode.VERIFICATION_FAILED);
        assertThat(noIdentity.err()).contains("DecryptionException");
    }

    @Test
    void aFailedSnapshotActionIsThree() {
        sim.readOnly("etcd/1", "/home/ubuntu/etcd-snapshots", true);
        Result failed = juju("backup", "etcd/1", "--dir", work.resolve("failed").toString());
        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(ExitCode.ACTION_FAILED);
        assertThat(failed.err()).contains("ActionFailedException");
    }

    @Test
    void aDeadlineIsFive() {
        sim.slowActions(Duration.ofSeconds(10));
        Result slow = juju("backup", "etcd/0", "--dir", work.resolve("slow").toString(), "--timeout", "2s");
        assertThat(slow.exitCode()).as(slow.toString()).isEqualTo(ExitCode.TIMEOUT);
    }

    @Test
    void anUnreachableJujuIsSixAndBadInputIsTwo() {
        Result missing = cli("status", "--juju-path", work.resolve("no-juju").toString());
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(ExitCode.TRANSPORT);
        assertThat(missing.err()).contains("Cannot run");

        assertThat(cli("backup", "--keys", "v9").exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(cli("backup", "etcd/0;rm").exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(cli("no-such-command").exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(cli("list", "--dir", work.resolve("no-such-store").toString()).exitCode())
                .isEqualTo(ExitCode.FAILURE);
    }

    @Test
    void overSshWithoutUnitAddressesIsBadInputThatSaysHowToGiveThem() {
        Result result = cli("backup", "etcd/0", "--ssh", "--dir", work.resolve("ssh").toString());
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(result.err()).contains("InvalidInputException", "unitAddress(");
    }

    @Test
    void optionsOfTheOtherTransportAndCommandsItCannotRunAreBadInput() {
        Result sshOptionWithJuju = juju("health", "--juju", "etcd/0", "--ssh-key", "/tmp/key");
        assertThat(sshOptionWithJuju.exitCode()).as(sshOptionWithJuju.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(sshOptionWithJuju.err()).contains("add --ssh");
        Result modelWithSsh = cli("health", "etcd/0", "--ssh", "--model", "k8s", "--unit-address", "etcd/0=127.0.0.1");
        assertThat(modelWithSsh.exitCode()).as(modelWithSsh.toString()).isEqualTo(ExitCode.USAGE);
        Result statusOverSsh = cli("status", "--ssh", "--unit-address", "etcd/0=127.0.0.1");
        assertThat(statusOverSsh.exitCode()).as(statusOverSsh.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(statusOverSsh.err()).contains("UnsupportedByTransportException");
        Result noEtcd = cli("drill", "--dir", backups.toString(), "--etcd", "/nonexistent/etcd");
        assertThat(noEtcd.exitCode()).as(noEtcd.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(noEtcd.err()).contains("--etcd");
    }

    @Test
    void helpListsEveryCommandAndTheExitCodes() {
        Result help = cli("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("backup", "list", "verify", "prune", "drill", "health", "status", "restore",
                "Exit codes:", "4    an archive does not verify");
        assertThat(cli("backup", "--help").out()).contains("--encrypt-to", "--keep-on-unit", "Exit codes:");
    }
}
