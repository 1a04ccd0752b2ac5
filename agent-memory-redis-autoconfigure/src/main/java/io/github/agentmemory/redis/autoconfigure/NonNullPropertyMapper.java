package io.github.agentmemory.redis.autoconfigure;

import java.util.Objects;

import org.springframework.boot.context.properties.PropertyMapper;

/**
 * Boot's {@link PropertyMapper} applying only non-null values, in a form both Boot lines
 * compile: Boot 3.5 maps {@code null} unless told {@code alwaysApplyingWhenNonNull()},
 * which Boot 4 removed (there non-null is the default and {@code whenNonNull()} is gone
 * too); {@code when(Objects::nonNull)} means the same on both.
 *
 * @author agent-memory-redis
 */
final class NonNullPropertyMapper {

	private NonNullPropertyMapper() {
	}

	/**
	 * A mapper that skips {@code null} values.
	 * @return the mapper
	 */
	static PropertyMapper get() {
		return PropertyMapper.get().alwaysApplying(NonNullPropertyMapper::whenNonNull);
	}

	private static <T> PropertyMapper.Source<T> whenNonNull(PropertyMapper.Source<T> source) {
		return source.when(Objects::nonNull);
	}

}
