package io.github.etcdbackup.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package layout the README's "Design" section describes, checked on core's compiled classes: packages by
 * capability, no cycle between any two of them, and the public packages kept apart from what they must not know.
 */
class PackageLayoutTest {
    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.github.etcdbackup");

    @Test
    void theImportCoversEveryPackageOfCore() {
        // A rule over an empty or partial import passes vacuously; make sure it saw the packages it judges.
        assertThat(CORE.stream().map(c -> c.getPackageName()).distinct())
                .contains("io.github.etcdbackup", "io.github.etcdbackup.client", "io.github.etcdbackup.exception",
                        "io.github.etcdbackup.health", "io.github.etcdbackup.status", "io.github.etcdbackup.restore",
                        "io.github.etcdbackup.store", "io.github.etcdbackup.spi",
                        "io.github.etcdbackup.internal.restore", "io.github.etcdbackup.internal.common");
    }

    @Test
    void noPackageCycles() {
        // "(**)" after "io.github." makes every package its own slice, the root package included.
        slices().matching("io.github.(**)").should().beFreeOfCycles().check(CORE);
    }

    @Test
    void exceptionsDependOnNothingElseOfTheLibrary() {
        noClasses().that().resideInAPackage("io.github.etcdbackup.exception")
                .should().dependOnClassesThat().resideOutsideOfPackages("io.github.etcdbackup.exception", "java..")
                .check(CORE);
    }

    @Test
    void onlyTheClientReachesTheRestoreInternals() {
        noClasses().that()
                .resideOutsideOfPackages("io.github.etcdbackup.client", "io.github.etcdbackup.internal.restore")
                .should().dependOnClassesThat().resideInAPackage("io.github.etcdbackup.internal.restore")
                .check(CORE);
    }

    @Test
    void theSpiKnowsNoInternalsButValidation() {
        noClasses().that().resideInAPackage("io.github.etcdbackup.spi")
                .should().dependOnClassesThat().resideInAnyPackage("io.github.etcdbackup.client",
                        "io.github.etcdbackup.restore", "io.github.etcdbackup.store",
                        "io.github.etcdbackup.internal.restore", "io.github.etcdbackup.internal.download",
                        "io.github.etcdbackup.internal.files")
                .check(CORE);
    }
}
