package io.github.etcdbackup.internal.restore;

import io.github.etcdbackup.restore.RestoreStep;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes a {@link RestoreStep} as one line of text and reads it back, so that a restore journal holds the plan itself
 * and a restore can be resumed by another process after a crash.
 *
 * <p>Generic over the sealed family (its permitted records and their components) rather than one hand-written
 * format per step, so that a new step type cannot be forgotten here. Components may be {@code String}, {@code int},
 * {@code long}, {@code boolean}, an enum, {@code Path}, {@code Instant}, {@code Duration}, an {@code Optional} or a
 * {@code List} of any of these, {@code Map<String, String>} or another record of those; anything else fails at once,
 * in the journal's tests.
 * Every value is URL-encoded, so a line never holds a space, a newline or a separator from user input.
 */
final class StepCodec {
    /**
     * What a component of these types reads as when a line has none: a component added to a step later (such as
     * {@code RunRestore.params}) must not make the journals of older versions unreadable.
     */
    private static final Map<Class<?>, Object> EMPTY_WHEN_ABSENT = Map.of(Map.class, Map.of(), List.class, List.of(),
            Optional.class, Optional.empty());

    private StepCodec() {
    }

    /** {@code <Type> <name>=<value> ...} */
    static String encode(RestoreStep step) {
        return step.getClass().getSimpleName() + " " + encodeRecord((Record) step);
    }

    /**
     * Reads a line made by {@link #encode}.
     *
     * @throws IllegalArgumentException if it is not one (the message says why)
     */
    static RestoreStep decode(String line) {
        int space = line.indexOf(' ');
        String type = space < 0 ? line : line.substring(0, space);
        Class<?> recordClass = Arrays.stream(RestoreStep.class.getPermittedSubclasses())
                .filter(c -> c.getSimpleName().equals(type)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown restore step type " + type));
        return (RestoreStep) decodeComponents(recordClass, space < 0 ? "" : line.substring(space + 1));
    }

    /** Reads what {@link #encodeRecord} wrote; for values that are not steps (the archive). */
    static <R extends Record> R decodeRecord(Class<R> recordClass, String text) {
        return recordClass.cast(decodeComponents(recordClass, text));
    }

    /** One record's components as {@code <name>=<value> ...}. */
    static String encodeRecord(Record record) {
        List<String> parts = new ArrayList<>();
        for (RecordComponent component : record.getClass().getRecordComponents()) {
            Object value;
            try {
                value = component.getAccessor().invoke(record);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + component, e);
            }
            parts.add(component.getName() + "=" + encodeValue(component.getGenericType(), value));
        }
        return String.join(" ", parts);
    }

    private static String encodeValue(Type type, Object value) {
        Class<?> raw = rawClass(type);
        if (raw == String.class || raw == int.class || raw == long.class || raw == boolean.class) {
            return enc(String.valueOf(value));
        }
        if (raw == Path.class || raw == Instant.class || raw == Duration.class) {
            return enc(value.toString());
        }
        if (raw.isEnum()) {
            return ((Enum<?>) value).name();
        }
        if (raw == Optional.class) {
            return ((Optional<?>) value).map(v -> "+" + encodeValue(elementType(type), v)).orElse("-");
        }
        if (raw == List.class) {
            List<?> list = (List<?>) value;
            StringBuilder text = new StringBuilder().append(list.size());
            list.forEach(item -> text.append(',').append(encodeValue(elementType(type), item)));
            return text.toString();
        }
        if (raw == Map.class) {
            Map<?, ?> map = (Map<?, ?>) value;
            StringBuilder text = new StringBuilder().append(map.size());
            map.forEach((k, v) -> text.append(',').append(enc((String) k)).append(':').append(enc((String) v)));
            return text.toString();
        }
        if (raw.isRecord()) {
            return enc(encodeRecord((Record) value));
        }
        throw new IllegalStateException("a restore step component of type " + type + " cannot be journaled");
    }

    private static Object decodeComponents(Class<?> recordClass, String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String part : text.isEmpty() ? new String[0] : text.split(" ", -1)) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("not a name=value pair: " + part);
            }
            fields.put(part.substring(0, eq), part.substring(eq + 1));
        }
        RecordComponent[] components = recordClass.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent component = components[i];
            types[i] = component.getType();
            String value = fields.remove(component.getName());
            if (value == null && EMPTY_WHEN_ABSENT.containsKey(types[i])) {
                // A component added after a journal was written: the older line had none of it.
                values[i] = EMPTY_WHEN_ABSENT.get(types[i]);
                continue;
            }
            if (value == null) {
                throw new IllegalArgumentException(recordClass.getSimpleName() + " lacks " + component.getName());
            }
            values[i] = decodeValue(component.getGenericType(), value);
        }
        if (!fields.isEmpty()) {
            throw new IllegalArgumentException(recordClass.getSimpleName() + " has no " + fields.keySet());
        }
        try {
            Constructor<?> constructor = recordClass.getDeclaredConstructor(types);
            return constructor.newInstance(values);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("invalid " + recordClass.getSimpleName() + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + recordClass, e);
        }
    }

    private static Object decodeValue(Type type, String text) {
        Class<?> raw = rawClass(type);
        if (raw == String.class) {
            return dec(text);
        }
        if (raw == int.class) {
            return Integer.parseInt(dec(text));
        }
        if (raw == long.class) {
            return Long.parseLong(dec(text));
        }
        if (raw == boolean.class) {
            return Boolean.parseBoolean(dec(text));
        }
        if (raw == Path.class) {
            return Path.of(dec(text));
        }
        if (raw == Instant.class) {
            return Instant.parse(dec(text));
        }
        if (raw == Duration.class) {
            return Duration.parse(dec(text));
        }
        if (raw.isEnum()) {
            return enumConstant(raw, text);
        }
        if (raw == Optional.class) {
            if (text.equals("-")) {
                return Optional.empty();
            }
            if (!text.startsWith("+")) {
                throw new IllegalArgumentException("not an optional value: " + text);
            }
            return Optional.of(decodeValue(elementType(type), text.substring(1)));
        }
        if (raw == List.class) {
            return items(text).stream().map(item -> decodeValue(elementType(type), item)).toList();
        }
        if (raw == Map.class) {
            Map<String, String> map = new LinkedHashMap<>();
            for (String item : items(text)) {
                int colon = item.indexOf(':');
                if (colon < 0) {
                    throw new IllegalArgumentException("not a key:value pair: " + item);
                }
                map.put(dec(item.substring(0, colon)), dec(item.substring(colon + 1)));
            }
            return map;
        }
        if (raw.isRecord()) {
            return decodeComponents(raw, dec(text));
        }
        throw new IllegalStateException("a restore step component of type " + type + " cannot be journaled");
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object enumConstant(Class<?> type, String name) {
        return Enum.valueOf((Class) type, name);
    }

    /** {@code <count>,<item>,<item>...}: the count guards against a truncated or edited list. */
    private static List<String> items(String text) {
        String[] parts = text.split(",", -1);
        int count = Integer.parseInt(parts[0]);
        if (count != parts.length - 1) {
            throw new IllegalArgumentException("expected " + count + " items in " + text);
        }
        return Arrays.asList(parts).subList(1, parts.length);
    }

    /** The {@code T} of an {@code Optional<T>} or a {@code List<T>}. */
    private static Type elementType(Type type) {
        if (!(type instanceof ParameterizedType p)) {
            throw new IllegalStateException("a restore step component of raw type " + type + " cannot be journaled");
        }
        return p.getActualTypeArguments()[0];
    }

    private static Class<?> rawClass(Type type) {
        return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    }

    static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static String dec(String value) {
        return URLDecoder.decode(value, StandardCharsets.UTF_8);
    }
}
