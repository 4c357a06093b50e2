package dev.bigbatch.cli;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Parses CLI enum values written in kebab case ({@code fashion-mnist} → {@code FASHION_MNIST}). */
final class Enums {
  private Enums() {}

  static <E extends Enum<E>> E parse(Class<E> type, String value, String flag) {
    String key = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(key)) {
        return e;
      }
    }
    String known = Arrays.stream(type.getEnumConstants())
        .map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-')).collect(Collectors.joining(", "));
    throw new IllegalArgumentException(flag + ": unknown value '" + value + "'; expected one of " + known);
  }
}
