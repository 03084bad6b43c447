package io.github.etcdbackup.cli;

import io.github.etcdbackup.store.PrunePlan;
import io.github.etcdbackup.store.RetentionPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code etcd-backup prune}: a dry run by default; {@code --yes} deletes. The newest verified archive stays. */
@Command(name = "prune", description = "Apply a retention policy: prints what would be deleted; --yes deletes it. "
        + "Only archives verified in this run are deleted, and the newest that verifies is always kept.")
final class PruneCommand extends StoreCommand implements Callable<Integer> {
    @Option(names = "--keep-last", paramLabel = "N", defaultValue = "7", description = "default: ${DEFAULT-VALUE}")
    int keepLast;

    @Option(names = "--keep-daily", paramLabel = "N", defaultValue = "0", description = "default: ${DEFAULT-VALUE}")
    int keepDaily;

    @Option(names = "--keep-weekly", paramLabel = "N", defaultValue = "0", description = "default: ${DEFAULT-VALUE}")
    int keepWeekly;

    @Option(names = "--keep-monthly", paramLabel = "N", defaultValue = "0",
            description = "default: ${DEFAULT-VALUE}")
    int keepMonthly;

    @Option(names = "--yes", description = "Delete; without it, nothing is deleted (a dry run).")
    boolean yes;

    @Override
    public Integer call() {
        RetentionPolicy policy = RetentionPolicy.builder().keepLast(keepLast).keepDaily(keepDaily)
                .keepWeekly(keepWeekly).keepMonthly(keepMonthly).build();
        PrunePlan plan = store.with(opened -> yes ? opened.prune(policy) : opened.planPrune(policy));
        PrintWriter out = out();
        if (output.json()) {
            Output.printJson(out, Output.prune(plan));
        } else {
            plan.delete().forEach(s -> out.println((plan.executed() ? "deleted       " : "would delete  ")
                    + s.name()));
            plan.unverified().forEach(c -> out.println("kept (does not verify)  " + c.name() + "  "
                    + String.join("; ", c.problems())));
            out.println((plan.executed() ? "deleted " : "would delete ") + plan.delete().size() + ", keeping "
                    + plan.keep().size() + (plan.executed() ? "" : " (dry run: add --yes to delete)"));
        }
        return plan.unverified().isEmpty() ? ExitCode.OK : ExitCode.VERIFICATION_FAILED;
    }
}
