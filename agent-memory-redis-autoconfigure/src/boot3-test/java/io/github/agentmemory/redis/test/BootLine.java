package io.github.agentmemory.redis.test;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.github.agentmemory.redis.autoconfigure.AgentMemoryRedisAutoConfiguration;
import io.github.resilience4j.springboot3.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration;
import io.lettuce.core.metrics.MicrometerCommandLatencyRecorder;

import org.springframework.boot.actuate.autoconfigure.data.redis.RedisHealthContributorAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.redis.LettuceMetricsAutoConfiguration;
import org.springframework.boot.actuate.data.redis.RedisHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.context.ApplicationContext;

/**
 * What the shared suite needs of the Spring Boot line it runs on, here Spring Boot 3.5
 * with resilience4j-spring-boot3. agent-memory-redis-boot4-autoconfigure has a class of
 * the same name and members for Boot 4.1: the shared tests name Boot's types only through
 * this class (or through {@code var}), so they compile unchanged on both lines.
 */
public final class BootLine {

	/** The line, for messages. */
	public static final String NAME = "Spring Boot 3.5";

	/** Boot's Redis auto-configuration. */
	public static final Class<?> REDIS_AUTO_CONFIGURATION = RedisAutoConfiguration.class;

	/** Resilience4j's circuit breaker auto-configuration for this line. */
	public static final Class<?> CIRCUIT_BREAKER_AUTO_CONFIGURATION = CircuitBreakerAutoConfiguration.class;

	/** The package of Resilience4j's Spring Boot module for this line. */
	public static final String RESILIENCE4J_SPRING_BOOT_PACKAGE = "io.github.resilience4j.springboot3";

	/** Boot's health indicator type. */
	public static final Class<?> HEALTH_INDICATOR = HealthIndicator.class;

	/** Boot's own Redis health indicator type. */
	public static final Class<?> REDIS_HEALTH_INDICATOR = RedisHealthIndicator.class;

	/** Boot's {@code UP}. */
	public static final Status UP = Status.UP;

	/** Boot's {@code DOWN}. */
	public static final Status DOWN = Status.DOWN;

	/** Boot's {@code UNKNOWN}. */
	public static final Status UNKNOWN = Status.UNKNOWN;

	/**
	 * The name of the bean of Boot's Lettuce command-latency meters, on Boot 3.5
	 * {@code LettuceMetricsAutoConfiguration}'s {@code lettuceMetrics} (Boot 4 has none: it
	 * observes Lettuce through Micrometer Observation instead).
	 */
	public static final String LETTUCE_METRICS_BEAN = "lettuceMetrics";

	/**
	 * The command-latency recorder Boot's Lettuce meters install (Boot 4 installs none).
	 */
	public static final Class<?> ACTUATOR_COMMAND_LATENCY_RECORDER = MicrometerCommandLatencyRecorder.class;

	private BootLine() {
	}

	/**
	 * Boot's Redis auto-configuration and ours.
	 * @return the auto-configurations
	 */
	public static AutoConfigurations redisAndTemplate() {
		return AutoConfigurations.of(RedisAutoConfiguration.class, AgentMemoryRedisAutoConfiguration.class);
	}

	/**
	 * Boot's meter registry (a simple one) and, where Boot has them, its Lettuce
	 * command-latency meters.
	 * @return the auto-configurations
	 */
	public static AutoConfigurations metricsWithLettuceMeters() {
		return AutoConfigurations.of(MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
				SimpleMetricsExportAutoConfiguration.class, LettuceMetricsAutoConfiguration.class);
	}

	/**
	 * Boot's meter registry (a simple one).
	 * @return the auto-configurations
	 */
	public static AutoConfigurations metrics() {
		return AutoConfigurations.of(MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
				SimpleMetricsExportAutoConfiguration.class);
	}

	/**
	 * Boot's health contributors and its own Redis health indicator.
	 * @return the auto-configurations
	 */
	public static AutoConfigurations redisHealth() {
		return AutoConfigurations.of(HealthContributorAutoConfiguration.class,
				RedisHealthContributorAutoConfiguration.class);
	}

	/**
	 * The health of a health indicator bean.
	 * @param context the context
	 * @param type the indicator's type
	 * @return its health now
	 */
	public static Health health(ApplicationContext context, Class<?> type) {
		return ((HealthIndicator) context.getBean(type)).health();
	}

	/**
	 * The health of a health indicator bean.
	 * @param context the context
	 * @param name the bean's name
	 * @return its health now
	 */
	public static Health health(ApplicationContext context, String name) {
		return context.getBean(name, HealthIndicator.class).health();
	}

	/**
	 * A health indicator that is always up with one detail.
	 * @param detail the detail's name (its value is {@code true})
	 * @return the indicator
	 */
	public static HealthIndicator upIndicator(String detail) {
		return () -> Health.up().withDetail(detail, true).build();
	}

	/**
	 * Imports Boot's Redis auto-configuration and ours into a
	 * {@code @SpringBootConfiguration} or {@code @Configuration}.
	 */
	@Target(ElementType.TYPE)
	@Retention(RetentionPolicy.RUNTIME)
	@ImportAutoConfiguration({ RedisAutoConfiguration.class, AgentMemoryRedisAutoConfiguration.class })
	public @interface ImportRedisAndTemplateAutoConfiguration {

	}

}
