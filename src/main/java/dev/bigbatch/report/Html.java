package dev.bigbatch.report;

import java.util.List;

/** The few HTML pieces the report needs: escaping, a page head, a table from CSV records. */
final class Html {
  private Html() {}

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  static String head(String title) {
    return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + esc(title) + "</title>\n"
        + "<style>body{font-family:sans-serif;max-width:1320px;margin:auto}table{border-collapse:collapse;margin:8px 0}"
        + "td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}td:first-child{text-align:left}"
        + "img{margin:4px;border:1px solid #ddd}</style></head><body>\n<h1>" + esc(title) + "</h1>\n";
  }

  /** The first record is the header. */
  static String table(List<List<String>> records) {
    StringBuilder s = new StringBuilder("<table>\n");
    for (int i = 0; i < records.size(); i++) {
      String cell = i == 0 ? "th" : "td";
      s.append("<tr>");
      for (String f : records.get(i)) {
        s.append('<').append(cell).append('>').append(esc(f)).append("</").append(cell).append('>');
      }
      s.append("</tr>\n");
    }
    return s.append("</table>\n").toString();
  }
}
