package org.jnat.app.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
    private static final List<String> NAT = ConfigLoader.KEYS.get("nat");

    @Test
    void typosFindTheKeyMeant() {
        assertThat(Suggestions.closest("mapping", NAT)).isEqualTo("mapping");
        assertThat(Suggestions.closest("maping", NAT)).isEqualTo("mapping");
        assertThat(Suggestions.closest("filterring", NAT)).isEqualTo("filtering");
        assertThat(Suggestions.closest("Max_Sessions", NAT)).isEqualTo("max-sessions");
        assertThat(Suggestions.closest("hairpining", NAT)).isEqualTo("hairpinning");
    }

    @Test
    void unrelatedWordsFindNothing() {
        assertThat(Suggestions.closest("colour", NAT)).isNull();
        assertThat(Suggestions.closest("x", NAT)).isNull();
    }

    @Test
    void distanceIsLevenshtein() {
        assertThat(Suggestions.distance("kitten", "sitting")).isEqualTo(3);
        assertThat(Suggestions.distance("", "abc")).isEqualTo(3);
        assertThat(Suggestions.distance("same", "same")).isZero();
    }
}
