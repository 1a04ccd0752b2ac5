package io.github.agentmemory.redis.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Medians and formatting. */
final class Stats {

	private Stats() {
	}

	static double median(List<Double> values) {
		List<Double> sorted = new ArrayList<>(values);
		sorted.removeIf((v) -> v == null || v.isNaN());
		if (sorted.isEmpty()) {
			return Double.NaN;
		}
		Collections.sort(sorted);
		int n = sorted.size();
		return (n % 2 == 1) ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
	}

	static double min(List<Double> values) {
		return values.stream().filter((v) -> !v.isNaN()).mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
	}

	static double max(List<Double> values) {
		return values.stream().filter((v) -> !v.isNaN()).mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
	}

	static String f(String format, Object... args) {
		return String.format(Locale.ROOT, format, args);
	}

	/** A number with three significant figures or so, thousands separated. */
	static String num(double value) {
		if (Double.isNaN(value)) {
			return "n/a";
		}
		if (Math.abs(value) >= 1000) {
			return String.format(Locale.ROOT, "%,.0f", value);
		}
		if (Math.abs(value) >= 100) {
			return String.format(Locale.ROOT, "%.0f", value);
		}
		if (Math.abs(value) >= 10) {
			return String.format(Locale.ROOT, "%.1f", value);
		}
		return String.format(Locale.ROOT, "%.2f", value);
	}

	static String ratio(List<Double> ratios) {
		if (ratios.isEmpty()) {
			return "n/a";
		}
		return f("%.2f (%.2f–%.2f)", median(ratios), min(ratios), max(ratios));
	}

}
