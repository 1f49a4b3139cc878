<%--
  conclab's sleeping handler for Tomcat: GET /?id=N&sleep=D sleeps D (a Go
  duration such as 40s, 1m20s or 250ms, or a bare number of seconds, as
  labserver and external/python/gosleep.py read it) in the request's own
  thread, then answers a line of JSON. A malformed sleep is a 400.
  web.xml compiles it when the webapp starts, before the port listens.
--%><%@ page contentType="application/json" pageEncoding="UTF-8" session="false" trimDirectiveWhitespaces="true" %><%!
    static final java.util.regex.Pattern PART =
        java.util.regex.Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");
    static final double MAX_SLEEP_S = 3600;

    /** Seconds in a Go duration or a bare number; -1 if malformed. */
    static double seconds(String v) {
        if (v == null || v.isEmpty()) return 0;
        try { return Math.min(Double.parseDouble(v), MAX_SLEEP_S); } catch (NumberFormatException e) { }
        java.util.regex.Matcher m = PART.matcher(v);
        int pos = 0;
        double total = 0;
        while (m.find()) {
            if (m.start() != pos) return -1;
            double n = Double.parseDouble(m.group(1));
            switch (m.group(2)) {
                case "ns": n *= 1e-9; break;
                case "us": case "µs": n *= 1e-6; break;
                case "ms": n *= 1e-3; break;
                case "m": n *= 60; break;
                case "h": n *= 3600; break;
                default: break;
            }
            total += n;
            pos = m.end();
        }
        if (pos == 0 || pos != v.length()) return -1;
        return Math.min(total, MAX_SLEEP_S);
    }
%><%
    double s = seconds(request.getParameter("sleep"));
    if (s < 0 || Double.isNaN(s)) {
        response.setStatus(400);
        out.print("{\"error\":\"bad sleep\"}");
        return;
    }
    Thread.sleep((long) (s * 1000));
    String id = request.getParameter("id");
%>{"id":"<%= id == null ? "" : id.replaceAll("[^0-9A-Za-z_-]", "") %>","server":"tomcat","thread":"<%= Thread.currentThread().getName() %>","slept_s":<%= s %>}
