package io.github.agentmemory.redis.test;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;

/**
 * The errors a template's circuit breaker counted as failures (the transient ones), by
 * root cause, with numbers such as ports and slots replaced by {@code N}: what a
 * failover looked like to the template.
 */
public final class BreakerErrors {

	private final Map<String, Long> counts = new ConcurrentHashMap<>();

	private BreakerErrors() {
	}

	/**
	 * Start recording a template's breaker failures.
	 * @param context the context holding the breaker
	 * @return the record
	 */
	public static BreakerErrors record(org.springframework.context.ApplicationContext context) {
		BreakerErrors errors = new BreakerErrors();
		context.getBean(io.github.resilience4j.circuitbreaker.CircuitBreaker.class).getEventPublisher().onError((event) -> errors.add(event.getThrowable()));
		return errors;
	}

	private void add(Throwable error) {
		Throwable root = error;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		String message = String.valueOf(root.getMessage()).replaceAll("[0-9]+", "N");
		this.counts.merge(root.getClass().getSimpleName() + ": " + message, 1L, Long::sum);
	}

	/**
	 * The failures so far.
	 * @return root cause to count
	 */
	public Map<String, Long> counts() {
		return new TreeMap<>(this.counts);
	}

	@Override
	public String toString() {
		return counts().toString();
	}

}
