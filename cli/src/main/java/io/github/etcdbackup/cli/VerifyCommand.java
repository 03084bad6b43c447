package io.github.etcdbackup.cli;

import io.github.etcdbackup.store.StoreCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code etcd-backup verify}: every file of the store checked at rest; exit 4 when one does not verify. */
@Command(name = "verify", description = "Check every archive of the backup directory at rest (length, SHA-256, "
        + "tar contents; encrypted ones as ciphertext, or decrypted with --identity). Exit 4 if one does not verify.")
final class VerifyCommand extends StoreCommand implements Callable<Integer> {
    @Mixin
    IdentityOption identity;

    @Override
    public Integer call() {
        List<StoreCheck> checks = store.with(opened -> identity.identities().map(opened::verifyAll)
                .orElseGet(opened::verifyAll));
        PrintWriter out = out();
        if (output.json()) {
            Output.printJson(out, checks.stream().map(Output::check).toList());
        } else {
            for (StoreCheck check : checks) {
                out.println((check.ok() ? "ok       " : "PROBLEM  ") + check.name()
                        + (check.depth() == StoreCheck.Depth.CIPHERTEXT_ONLY ? "  (ciphertext only)" : "")
                        + (check.ok() ? "" : "  " + String.join("; ", check.problems())));
            }
        }
        return checks.stream().allMatch(StoreCheck::ok) ? ExitCode.OK : ExitCode.VERIFICATION_FAILED;
    }
}
