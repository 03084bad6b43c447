package io.github.etcdbackup.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

/** What every command has: its spec (for its streams) and the {@code --json} switch. */
abstract class CliCommand {
    @Spec
    CommandSpec spec;

    @Mixin
    Output output;

    /** Where results go. */
    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Where the progress line goes. */
    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
