package io.github.etcdbackup.transport.ssh;

import org.junit.platform.suite.api.AfterSuite;
import org.junit.platform.suite.api.SelectClasses;
import org.junit.platform.suite.api.Suite;
import org.junit.platform.suite.api.SuiteDisplayName;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11, SSH part: seeded cuts and flipped bytes on the real SSH stack ({@link SshCutChecks}), many threads
 * on one client and one transport ({@link SshConcurrencyChecks}), and (issue 16) a unit streaming more than it
 * reported, planted links and a lock held by another process ({@link SshHostileChecks}). Surefire runs only this class of them; it prints
 * the summary table and asserts the figures that must be 0. Reproduce with {@code -Dreliability.seed=N}; the counts
 * are {@code -Dreliability.sshCuts}, {@code sshTailCuts}, {@code sshFlips} and {@code sshThreads}.
 */
@Suite
@SuiteDisplayName("ssh-transport reliability suite")
@SelectClasses({SshCutChecks.class, SshConcurrencyChecks.class, SshHostileChecks.class})
class SshReliabilitySuiteTest {
    @AfterSuite
    static void printAndCheckTheSummary() {
        System.out.println(SshReliabilityLedger.table());
        assertThat(SshReliabilityLedger.FAULTS_INJECTED.get()).as("faults injected")
                .isGreaterThanOrEqualTo(SshCutChecks.CUTS);
        assertThat(SshReliabilityLedger.UNTYPED_ERRORS.get()).as("untyped errors").isZero();
        assertThat(SshReliabilityLedger.CORRUPT_FINAL_FILES.get()).as("corrupt final files").isZero();
        assertThat(SshReliabilityLedger.LEAKED_REMOTE_PROCESSES.get()).as("leaked processes on the unit").isZero();
        assertThat(SshReliabilityLedger.LEAKED_CHANNELS.get()).as("leaked sshj channels").isZero();
        assertThat(SshReliabilityLedger.LEAKED_THREADS.get()).as("leaked sshj/transport threads").isZero();
        assertThat(SshReliabilityLedger.OVERSIZE_STREAMS_STOPPED.get()).as("oversize streams stopped").isEqualTo(1);
        assertThat(SshReliabilityLedger.PLANTED_LINKS_REFUSED.get()).as("planted links refused").isEqualTo(4);
        assertThat(SshReliabilityLedger.LOCKS_HELD_ELSEWHERE_REFUSED.get()).as("foreign locks refused").isEqualTo(1);
        // Every fault broke at least one call, and every broken call was followed by a byte-identical result.
        assertThat(SshReliabilityLedger.RECOVERIES.get()).as("recoveries")
                .isGreaterThanOrEqualTo(SshReliabilityLedger.FAULTS_INJECTED.get());
    }
}
