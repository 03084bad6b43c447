package io.github.etcdbackup.transport.jujucli.reliability;

import org.junit.platform.suite.api.AfterSuite;
import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;
import org.junit.platform.suite.api.SuiteDisplayName;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11, juju-cli part: hostile output, hostile input, hanging {@code juju}, many threads on one client; issue
 * 16: a unit streaming more than it reported, links planted in the backup directory. Runs every
 * {@code *Checks} class of this package (surefire runs only this class of them), then prints the summary table and
 * asserts the figures that must be 0. Reproduce with {@code -Dreliability.seed=N}.
 */
@Suite
@SuiteDisplayName("juju-cli-transport reliability suite")
@SelectPackages("io.github.etcdbackup.transport.jujucli.reliability")
@IncludeClassNamePatterns(".*Checks$")
class ReliabilitySuiteTest {
    @AfterSuite
    static void printAndCheckTheSummary() {
        System.out.println(Ledger.table());
        assertThat(Ledger.FAULTS_INJECTED.get()).as("faults injected").isPositive();
        assertThat(Ledger.UNTYPED_ERRORS.get()).as("untyped errors").isZero();
        assertThat(Ledger.CORRUPT_FINAL_FILES.get()).as("corrupt final files").isZero();
        assertThat(Ledger.LEAKED_PROCESSES.get()).as("leaked processes").isZero();
        assertThat(Ledger.LEAKED_THREADS.get()).as("leaked library threads").isZero();
        assertThat(Ledger.LATE_CALLS.get()).as("calls past their deadline").isZero();
        assertThat(Ledger.OVERSIZE_STREAMS_STOPPED.get()).as("oversize streams stopped").isEqualTo(1);
        assertThat(Ledger.PLANTED_LINKS_REFUSED.get()).as("planted links refused or replaced").isEqualTo(8);
    }
}
