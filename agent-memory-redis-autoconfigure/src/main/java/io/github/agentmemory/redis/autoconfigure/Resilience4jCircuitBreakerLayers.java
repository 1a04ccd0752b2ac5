package io.github.agentmemory.redis.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.common.CompositeCustomizer;
import io.github.resilience4j.common.circuitbreaker.configuration.CircuitBreakerConfigCustomizer;
import io.github.resilience4j.common.circuitbreaker.configuration.CommonCircuitBreakerConfigurationProperties;
import io.github.resilience4j.common.circuitbreaker.configuration.CommonCircuitBreakerConfigurationProperties.InstanceProperties;
import io.github.resilience4j.core.ClassUtils;
import io.github.resilience4j.core.ConfigurationNotFoundException;
import io.github.resilience4j.core.IntervalFunction;

import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * The layers that Resilience4j's Spring Boot module puts on one circuit breaker
 * instance, applied on top of a base configuration instead of on top of Resilience4j's
 * own defaults: {@code resilience4j.circuitbreaker.configs.*} (the instance's
 * {@code base-config}, a config named like the instance, or {@code configs.default}, in
 * that order of preference), then {@code resilience4j.circuitbreaker.instances.<name>.*},
 * each layer followed by the {@link CircuitBreakerConfigCustomizer} named for it.
 * <p>
 * The layers are resolved and read as in Resilience4j 2.4.0's
 * {@code CommonCircuitBreakerConfigurationProperties} ({@code createCircuitBreakerConfig}
 * and {@code buildConfig}): each layer changes only the keys it sets. The one
 * difference is the bottom layer: where Resilience4j starts from
 * {@code CircuitBreakerConfig.custom()}, this starts from the given base, so a key that
 * no layer sets keeps the base's value.
 *
 * @author agent-memory-redis
 */
class Resilience4jCircuitBreakerLayers {

	private static final String DEFAULT = "default";

	private final String name;

	private final Map<String, InstanceProperties> configs;

	@Nullable
	private final InstanceProperties instance;

	private final Map<String, InstanceProperties> instances;

	private final CompositeCustomizer<CircuitBreakerConfigCustomizer> customizers;

	/**
	 * Create the layers of one instance.
	 * @param name the name of the instance
	 * @param properties Resilience4j's circuit breaker properties
	 * @param customizers the customizers of instances and configs
	 */
	Resilience4jCircuitBreakerLayers(String name, CommonCircuitBreakerConfigurationProperties properties,
			List<CircuitBreakerConfigCustomizer> customizers) {
		Assert.hasText(name, "'name' must not be empty");
		Assert.notNull(properties, "'properties' must not be null");
		Assert.notNull(customizers, "'customizers' must not be null");
		this.name = name;
		this.configs = properties.getConfigs();
		this.instances = properties.getInstances();
		this.instance = this.instances.get(name);
		this.customizers = new CompositeCustomizer<>(customizers);
	}

	/**
	 * Whether Resilience4j's auto-configuration creates the instance at startup: it does so
	 * for every {@code instances.<name>} entry and every customizer named for an instance.
	 * @return whether the registry's instance, if any, was built from these layers
	 */
	boolean createInstance() {
		return this.instance != null || this.customizers.getCustomizer(this.name).isPresent();
	}

	/**
	 * Whether Resilience4j's auto-configuration creates an instance of another name at
	 * startup (see {@link #createInstance()}).
	 * @param name the name of the instance
	 * @return whether the registry's instance, if any, was built from its properties
	 */
	boolean createInstance(String name) {
		return this.instances.get(name) != null || this.customizers.getCustomizer(name).isPresent();
	}

	/**
	 * Apply the top layer of another instance only,
	 * {@code resilience4j.circuitbreaker.instances.<name>.*} and the customizer named for
	 * it, to the configuration below (a master's breaker on Redis Cluster over the
	 * cluster's).
	 * @param name the name of the instance
	 * @param below the configuration the layer changes
	 * @return the configuration
	 */
	CircuitBreakerConfig applyInstanceTo(String name, CircuitBreakerConfig below) {
		Assert.hasText(name, "'name' must not be empty");
		Assert.notNull(below, "'below' must not be null");
		return layer(name, this.instances.get(name), below);
	}

	/**
	 * Apply the layers to a base configuration.
	 * @param base the configuration that the bottom layer starts from
	 * @return the configuration
	 */
	CircuitBreakerConfig applyTo(CircuitBreakerConfig base) {
		Assert.notNull(base, "'base' must not be null");
		return resolve(this.name, this.instance, base);
	}

	private CircuitBreakerConfig resolve(String name, @Nullable InstanceProperties properties,
			CircuitBreakerConfig base) {
		CircuitBreakerConfig below = base;
		if (properties != null && StringUtils.hasText(properties.getBaseConfig())) {
			String baseName = properties.getBaseConfig();
			Assert.state(!name.equals(baseName), () -> "Circular reference detected in instance config: " + name);
			InstanceProperties baseProperties = this.configs.get(baseName);
			if (baseProperties == null) {
				throw new ConfigurationNotFoundException(baseName);
			}
			below = resolve(baseName, baseProperties, base);
		}
		else if (this.configs.get(name) != null) {
			below = layer(name, this.configs.get(name), base);
		}
		else if (this.configs.get(DEFAULT) != null) {
			below = resolve(DEFAULT, this.configs.get(DEFAULT), base);
		}
		return layer(name, properties, below);
	}

	private CircuitBreakerConfig layer(String name, @Nullable InstanceProperties properties,
			CircuitBreakerConfig below) {
		CircuitBreakerConfig.Builder builder = CircuitBreakerConfig.from(below);
		if (properties != null) {
			apply(properties, builder);
		}
		this.customizers.getCustomizer(name).ifPresent((customizer) -> customizer.customize(builder));
		return builder.build();
	}

	private static void apply(InstanceProperties properties, CircuitBreakerConfig.Builder builder) {
		Assert.state(
				!Boolean.TRUE.equals(properties.getEnableExponentialBackoff())
						|| !Boolean.TRUE.equals(properties.getEnableRandomizedWait()),
				"you can not enable Exponential backoff policy and randomized delay at the same time , "
						+ "please enable only one of them");
		applyWaitInOpenState(properties, builder);
		PropertyMapper map = NonNullPropertyMapper.get();
		map.from(properties::getFailureRateThreshold).to(builder::failureRateThreshold);
		map.from(properties::getWritableStackTraceEnabled).to(builder::writableStackTraceEnabled);
		map.from(properties::getSlowCallRateThreshold).to(builder::slowCallRateThreshold);
		map.from(properties::getSlowCallDurationThreshold).to(builder::slowCallDurationThreshold);
		map.from(properties::getMaxWaitDurationInHalfOpenState).to(builder::maxWaitDurationInHalfOpenState);
		map.from(properties::getTransitionToStateAfterWaitDuration).to(builder::transitionToStateAfterWaitDuration);
		map.from(properties::getSlidingWindowSize).to(builder::slidingWindowSize);
		map.from(properties::getMinimumNumberOfCalls).to(builder::minimumNumberOfCalls);
		map.from(properties::getSlidingWindowType).to(builder::slidingWindowType);
		map.from(properties::getPermittedNumberOfCallsInHalfOpenState)
			.to(builder::permittedNumberOfCallsInHalfOpenState);
		map.from(properties::getRecordExceptions)
			.to((exceptions) -> builder.recordExceptions(exceptions).recordException(null));
		map.from(properties::getRecordFailurePredicate)
			.as(ClassUtils::instantiatePredicateClass)
			.to(builder::recordException);
		map.from(properties::getRecordResultPredicate)
			.as(ClassUtils::instantiatePredicateClass)
			.to(builder::recordResult);
		map.from(properties::getIgnoreExceptions)
			.to((exceptions) -> builder.ignoreExceptions(exceptions).ignoreException(null));
		map.from(properties::getIgnoreExceptionPredicate)
			.as(ClassUtils::instantiatePredicateClass)
			.to(builder::ignoreException);
		map.from(properties::getAutomaticTransitionFromOpenToHalfOpenEnabled)
			.to(builder::automaticTransitionFromOpenToHalfOpenEnabled);
		map.from(properties::getInitialState).to(builder::initialState);
	}

	private static void applyWaitInOpenState(InstanceProperties properties, CircuitBreakerConfig.Builder builder) {
		Duration wait = properties.getWaitDurationInOpenState();
		if (wait == null || wait.toMillis() <= 0) {
			return;
		}
		if (Boolean.TRUE.equals(properties.getEnableExponentialBackoff())) {
			Double multiplier = properties.getExponentialBackoffMultiplier();
			Duration max = properties.getExponentialMaxWaitDurationInOpenState();
			builder.waitIntervalFunctionInOpenState((multiplier == null) ? IntervalFunction.ofExponentialBackoff(wait)
					: (max == null) ? IntervalFunction.ofExponentialBackoff(wait, multiplier)
							: IntervalFunction.ofExponentialBackoff(wait, multiplier, max));
		}
		else if (Boolean.TRUE.equals(properties.getEnableRandomizedWait())) {
			Double factor = properties.getRandomizedWaitFactor();
			builder.waitIntervalFunctionInOpenState((factor != null) ? IntervalFunction.ofRandomized(wait, factor)
					: IntervalFunction.ofRandomized(wait));
		}
		else {
			builder.waitDurationInOpenState(wait);
		}
	}

}
