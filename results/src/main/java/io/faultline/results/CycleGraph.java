package io.faultline.results;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A dependency cycle drawn as a small SVG graph: its transactions on a circle, one labelled arrow per
 * edge (ww, wr, rw, realtime, process, with the key). Input is the checkers' machine-readable form:
 * {@code {"type": "G2-item", "steps": [{"from": 12, "to": 40, "edge": "rw", "key": "x", "why": "..."}]}}.
 */
final class CycleGraph {
  private CycleGraph() {}

  private static final int SIZE = 300;
  private static final double RADIUS = 105;
  private static final double NODE_R = 20;
  static final int STEPS_MAX = 12;

  /** All cycles found in the checkers' details of a result: each checker's {@code cycles} list. */
  static List<Map<?, ?>> cyclesOf(Map<String, Object> extra) {
    List<Map<?, ?>> out = new ArrayList<>();
    Object checkers = extra.get("checkers");
    if (!(checkers instanceof Map)) return out;
    for (Object c : ((Map<?, ?>) checkers).values()) {
      if (!(c instanceof Map)) continue;
      Object cycles = ((Map<?, ?>) c).get("cycles");
      if (!(cycles instanceof List)) continue;
      for (Object cy : (List<?>) cycles) if (cy instanceof Map) out.add((Map<?, ?>) cy);
    }
    return out;
  }

  static String svg(Map<?, ?> cycle) {
    Object stepsV = cycle.get("steps");
    List<Map<?, ?>> steps = new ArrayList<>();
    if (stepsV instanceof List) for (Object s : (List<?>) stepsV) if (s instanceof Map && steps.size() < STEPS_MAX) steps.add((Map<?, ?>) s);
    Map<String, double[]> at = new LinkedHashMap<>();
    for (Map<?, ?> s : steps) {
      at.putIfAbsent(String.valueOf(s.get("from")), null);
      at.putIfAbsent(String.valueOf(s.get("to")), null);
    }
    int n = Math.max(1, at.size());
    int i = 0;
    for (String k : at.keySet()) {
      double a = -Math.PI / 2 + 2 * Math.PI * i++ / n;
      at.put(k, new double[] {SIZE / 2.0 + RADIUS * Math.cos(a), SIZE / 2.0 + RADIUS * Math.sin(a)});
    }
    StringBuilder sb = new StringBuilder();
    sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(SIZE).append("\" height=\"").append(SIZE)
        .append("\" viewBox=\"0 0 ").append(SIZE).append(' ').append(SIZE).append("\">")
        .append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">")
        .append("<path d=\"M0,0L10,5L0,10z\" fill=\"#444\"/></marker></defs>");
    for (Map<?, ?> s : steps) {
      double[] p = at.get(String.valueOf(s.get("from")));
      double[] q = at.get(String.valueOf(s.get("to")));
      double dx = q[0] - p[0];
      double dy = q[1] - p[1];
      double len = Math.max(1e-6, Math.hypot(dx, dy));
      double x0 = p[0] + dx / len * NODE_R;
      double y0 = p[1] + dy / len * NODE_R;
      double x1 = q[0] - dx / len * NODE_R;
      double y1 = q[1] - dy / len * NODE_R;
      // bend each arrow a little so that opposite edges between two txns do not overlap
      double cx = (x0 + x1) / 2 - dy / len * 22;
      double cy = (y0 + y1) / 2 + dx / len * 22;
      String edge = String.valueOf(s.get("edge"));
      String colour = edge.equals("rw") ? "#c62828" : edge.equals("wr") ? "#1565c0" : edge.equals("ww") ? "#2e7d32" : "#6a1b9a";
      sb.append("<path d=\"M").append(f(x0)).append(',').append(f(y0)).append(" Q").append(f(cx)).append(',').append(f(cy))
          .append(' ').append(f(x1)).append(',').append(f(y1)).append("\" fill=\"none\" stroke=\"").append(colour)
          .append("\" stroke-width=\"1.6\" marker-end=\"url(#arrow)\"><title>")
          .append(ReportHtml.esc(String.valueOf(s.get("why") == null ? "" : s.get("why")))).append("</title></path>");
      Object key = s.get("key");
      sb.append("<text x=\"").append(f(cx)).append("\" y=\"").append(f(cy)).append("\" font-size=\"11\" text-anchor=\"middle\" fill=\"")
          .append(colour).append("\">").append(ReportHtml.esc(edge + (key == null ? "" : " " + key))).append("</text>");
    }
    for (Map.Entry<String, double[]> e : at.entrySet()) {
      double[] p = e.getValue();
      sb.append("<circle cx=\"").append(f(p[0])).append("\" cy=\"").append(f(p[1])).append("\" r=\"").append(f(NODE_R))
          .append("\" fill=\"#fff\" stroke=\"#333\"/><text x=\"").append(f(p[0])).append("\" y=\"").append(f(p[1] + 4))
          .append("\" font-size=\"11\" text-anchor=\"middle\">op ").append(ReportHtml.esc(e.getKey())).append("</text>");
    }
    sb.append("</svg>");
    return sb.toString();
  }

  private static String f(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }
}
