package io.github.etcdbackup.transport.jujucli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** Reads the argv files the fake {@code juju} scripts record: one file per call, each argument NUL-terminated. */
public final class RecordedCalls {
    private RecordedCalls() {
    }

    /** Every recorded argv, in file-name order. */
    public static List<List<String>> read(Path callsDir) {
        try (Stream<Path> files = Files.list(callsDir)) {
            List<List<String>> calls = new ArrayList<>();
            for (Path file : files.sorted().toList()) {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                calls.add(text.isEmpty() ? List.of()
                        : Arrays.asList(text.substring(0, text.length() - 1).split("\0", -1)));
            }
            return calls;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
