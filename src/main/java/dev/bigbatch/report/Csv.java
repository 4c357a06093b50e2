package dev.bigbatch.report;

import java.util.ArrayList;
import java.util.List;

/** Minimal RFC 4180 CSV: fields with commas, quotes or newlines are quoted, quotes doubled. */
public final class Csv {
  private Csv() {}

  public static String line(List<String> fields) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < fields.size(); i++) {
      String f = fields.get(i);
      if (i > 0) {
        s.append(',');
      }
      if (f.contains(",") || f.contains("\"") || f.contains("\n")) {
        s.append('"').append(f.replace("\"", "\"\"")).append('"');
      } else {
        s.append(f);
      }
    }
    return s.append('\n').toString();
  }

  /** Parses a whole file's text into records of fields. */
  public static List<List<String>> parse(String text) {
    List<List<String>> records = new ArrayList<>();
    List<String> record = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    boolean any = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
        any = true;
      } else if (c == ',') {
        record.add(field.toString());
        field.setLength(0);
        any = true;
      } else if (c == '\n') {
        record.add(field.toString());
        records.add(record);
        record = new ArrayList<>();
        field.setLength(0);
        any = false;
      } else if (c != '\r') {
        field.append(c);
        any = true;
      }
    }
    if (any) {
      record.add(field.toString());
      records.add(record);
    }
    return records;
  }
}
