package dev.spindle.spec;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean" for misspelt field names and enum values: the closest candidate by edit distance. */
final class Suggestions {

    /** Beyond this many edits a suggestion is more likely noise than help. */
    private static final int MAX_EDITS = 2;

    private Suggestions() {
    }

    /** {@code " (did you mean 'x'?)"} for the closest candidate, or {@code ""} when none is close. */
    static String hint(String given, Collection<String> candidates) {
        return closest(given, candidates).map(s -> " (did you mean '" + s + "'?)").orElse("");
    }

    /**
     * The candidate closest to {@code given}, if it is within {@link #MAX_EDITS} edits (and less than
     * half the word), ignoring case.
     */
    static Optional<String> closest(String given, Collection<String> candidates) {
        String g = given.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(g, candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        boolean close = best != null && bestDistance <= MAX_EDITS && bestDistance * 2 < best.length();
        return close ? Optional.of(best) : Optional.empty();
    }

    /** Optimal string alignment distance: Levenshtein plus adjacent transpositions ("trainnig"). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }
}
