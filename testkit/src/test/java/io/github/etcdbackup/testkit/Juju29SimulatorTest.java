package io.github.etcdbackup.testkit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Juju 2.9 dialect and the model operations around a restore, on a 2-unit etcd model. */
@Timeout(180)
class Juju29SimulatorTest {
    @TempDir
    static Path dir;
    static JujuSimulator sim;

    @BeforeAll
    static void startModel() {
        sim = JujuSimulator.builder().jujuVersion("2.9.45").workDir(dir.resolve("model")).build();
        sim.deploy("etcd", 2);
        sim.deploy("easyrsa", 1);
        sim.deploy("kubernetes-master", 1);
        sim.integrate("etcd", "easyrsa");
    }

    @AfterAll
    static void stopModel() {
        sim.close();
        assertThat(LeftoverProcesses.etcdOrSshdUnder(dir)).isEmpty();
    }

    @Test
    void queuedActionsAreFetchedWithShowActionOutput() {
        CommandResult queued = Juju.run(sim, "run-action", "etcd/0", "health");
        assertThat(queued.stdoutText()).matches("Action queued with id: \"\\d+\"\\n");
        Matcher id = Pattern.compile("\"(\\d+)\"").matcher(queued.stdoutText());
        assertThat(id.find()).isTrue();
        CommandResult output = Juju.run(sim, "show-action-output", id.group(1), "--wait=1m");
        assertThat(output.stdoutText())
                .startsWith("UnitId: etcd/0\nid: \"" + id.group(1) + "\"\nresults:\n  output: |\n")
                .contains("cluster is healthy\n", "status: completed", " +0000 UTC\n");
        assertThat(Juju.run(sim, "show-action-output", "999").stderr())
                .isEqualTo("ERROR actions for identifier \"999\" not found\n");
    }

    @Test
    void severalQueuedUnitsAreAMapByTagAndAnExpiredShowWaitSaysTimeoutReached() {
        CommandResult queued = Juju.run(sim, "run-action", "etcd/0", "etcd/1", "health");
        assertThat(queued.exitCode()).isZero();
        assertThat(queued.stdoutText()).matches("unit-etcd-0:\n  id: \"\\d+\"\n  unit: etcd/0\n"
                + "unit-etcd-1:\n  id: \"\\d+\"\n  unit: etcd/1\n");
        sim.slowActions(Duration.ofSeconds(3));
        try {
            Matcher id = Pattern.compile("\"(\\d+)\"").matcher(Juju.run(sim, "run-action", "etcd/0", "health")
                    .stdoutText());
            assertThat(id.find()).isTrue();
            // showoutput.go (2.9): errors.NewTimeout(err, "timeout reached"), nothing on stdout, exit 1.
            CommandResult expired = Juju.run(sim, "show-action-output", id.group(1), "--wait=1s");
            assertThat(expired.exitCode()).isEqualTo(1);
            assertThat(expired.stdoutText()).isEmpty();
            assertThat(expired.stderr()).isEqualTo("ERROR timeout reached\n");
        } finally {
            sim.clearFaults();
        }
    }

    @Test
    void aMissingUnitIsAnErrorsMapWithExitZeroAndAMalformedOneIsRefusedBeforeAnyCall() {
        CommandResult missing = Juju.run(sim, "run-action", "etcd/7", "health", "--wait");
        assertThat(missing.exitCode()).isZero();
        assertThat(missing.stdoutText()).isEqualTo("errors:\n  0: '\"unit-etcd-7\" not found'\n");
        CommandResult malformed = Juju.run(sim, "run-action", "etcd/x", "health", "--wait");
        assertThat(malformed.exitCode()).isEqualTo(1);
        assertThat(malformed.stderr()).contains("invalid unit or action name \"etcd/x\"");
        assertThat(malformed.stdoutText()).isEmpty();
    }

    @Test
    void parametersTheSchemaRefusesAreAnErrorsMapToo() {
        // runaction.go reads "no" as YAML false; the restore action's target wants a string (actions.yaml).
        CommandResult typed = Juju.run(sim, "run-action", "etcd/0", "restore", "target=no", "--wait");
        assertThat(typed.exitCode()).isZero();
        assertThat(typed.stdoutText()).isEqualTo("errors:\n  0: 'validation failed: target: Invalid type. Expected: "
                + "string, given: boolean'\n");
        // skip-backup is a boolean: "no" is accepted as false, and the (non-leader) unit runs the action.
        CommandResult accepted = Juju.run(sim, "run-action", "etcd/1", "restore", "skip-backup=no", "--wait");
        assertThat(accepted.stdoutText()).contains("status: failed");
        CommandResult undefined = Juju.run(sim, "run-action", "etcd/0", "no-such-action", "--wait");
        assertThat(undefined.stdoutText()).isEqualTo("errors:\n  0: action \"no-such-action\" not defined on unit "
                + "\"etcd/0\"\n");
    }

    @Test
    void juju29RunExecutesOnAUnit() {
        CommandResult run = Juju.run(sim, "run", "--unit", "etcd/0", "sudo ls /var/snap/etcd/common");
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdoutText()).contains("ca.crt\n", "etcd.conf.yml\n", "server.key\n");
    }

    @Test
    void leadershipDecidesWhereRestoreRuns() {
        assertThat(sim.leader("etcd")).isEqualTo("etcd/0");
        sim.setLeader("etcd/1");
        try {
            CommandResult run = Juju.run(sim, "run-action", "etcd/0", "restore", "--wait");
            assertThat(run.exitCode()).isZero();
            assertThat(run.stdoutText()).startsWith("unit-etcd-0:\n  UnitId: etcd/0\n")
                    .contains("message: This action can only be run on the leader unit", "results: {}",
                            "status: failed");
            assertThat(Juju.run(sim, "status", "etcd", "--format", "yaml").stdoutText())
                    .contains("etcd/1:\n        workload-status:\n          current: active\n"
                            + "          message: Healthy with 2 known peers\n          since:");
        } finally {
            sim.setLeader("etcd/0");
        }
    }

    @Test
    void relationsPrintAsNameListsAndDuplicatesAreRefused() {
        // etcd and easyrsa were related when the model was set up (etcd needs its certificates to start).
        assertThat(Juju.run(sim, "add-relation", "etcd", "kubernetes-master").exitCode()).isZero();
        CommandResult again = Juju.run(sim, "add-relation", "easyrsa", "etcd");
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.stderr()).startsWith("ERROR cannot add relation \"easyrsa:client etcd:certificates\"\n")
                .endsWith("Use 'juju status --relations' to view the current relations.\n");
        assertThat(Juju.run(sim, "add-relation", "easyrsa", "kubernetes-master:etcd").stderr())
                .isEqualTo("ERROR no relations found\n");
        String status = Juju.run(sim, "status", "etcd", "--format", "yaml").stdoutText();
        assertThat(status).contains("    series: jammy\n    os: ubuntu\n",
                "    relations:\n      certificates:\n      - easyrsa\n      cluster:\n      - etcd\n"
                        + "      db:\n      - kubernetes-master\n")
                .doesNotContain("storage:", "base:");
        assertThat(Juju.run(sim, "integrate", "etcd", "easyrsa").exitCode()).isEqualTo(2);
    }

    @Test
    void deployAttachResourcesConfigAndRemove() throws Exception {
        CommandResult deploy = Juju.run(sim, "deploy", "etcd", "spare-etcd", "--series", "focal",
                "--config", "channel=3.4/stable");
        assertThat(deploy.stderr()).isEqualTo("Located charm \"etcd\" in charm-hub, revision 760\n"
                + "Deploying \"spare-etcd\" from charm-hub charm \"etcd\", revision 760 in channel latest/stable"
                + " on focal\n");
        assertThat(Juju.run(sim, "deploy", "etcd", "spare-etcd").stderr())
                .startsWith("ERROR cannot add application \"spare-etcd\": application already exists: \n");
        assertThat(Juju.run(sim, "config", "spare-etcd", "--format", "yaml").stdoutText())
                .contains("application: spare-etcd\ncharm: etcd\nsettings:\n", "  channel:\n    default: auto\n",
                        "    source: user\n    type: string\n    value: 3.4/stable\n");
        assertThat(Juju.run(sim, "config", "spare-etcd", "nosuch").stderr()).isEqualTo(
                "ERROR key \"nosuch\" not found in \"spare-etcd\" application config or charm settings.\n");

        Path archive = Files.writeString(dir.resolve("snapshot.tar.gz"), "not really an archive");
        assertThat(Juju.run(sim, dir, null, "attach", "spare-etcd", "snapshot=snapshot.tar.gz").exitCode()).isZero();
        String resources = Juju.run(sim, "resources", "spare-etcd", "--format", "yaml").stdoutText();
        assertThat(resources).contains("- name: snapshot\n  type: file\n  path: snapshot.tar.gz\n",
                "  fingerprint: " + Fingerprints.sha384(archive) + "\n", "  origin: upload\n");
        assertThat(Juju.run(sim, dir, null, "attach-resource", "spare-etcd", "nosuch=snapshot.tar.gz").stderr())
                .isEqualTo("ERROR failed to upload resource \"nosuch\": resource#spare-etcd/nosuch not found\n");
        assertThat(Juju.run(sim, dir, null, "attach-resource", "spare-etcd", "core=snapshot.tar.gz").stderr())
                .isEqualTo("ERROR incorrect extension on resource upload \"snapshot.tar.gz\", expected \".snap\"\n");

        CommandResult remove = Juju.run(sim, "remove-application", "spare-etcd");
        assertThat(remove.exitCode()).isZero();
        assertThat(remove.stderr()).isEqualTo("removing application spare-etcd\n");
        assertThat(Juju.run(sim, "status", "--format", "json").stdoutText()).doesNotContain("spare-etcd");
    }
}
