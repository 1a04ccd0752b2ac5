package io.github.agentmemory.redis.recovery.journal;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link JournalSettings}.
 */
class JournalSettingsTests {

	private final Path directory = Path.of("journal");

	@Test
	void createUsesTheDefaults() {
		JournalSettings settings = JournalSettings.create(this.directory);
		assertThat(settings.getDirectory()).isEqualTo(this.directory);
		assertThat(settings.getMaxEntries()).isEqualTo(1_000_000).isEqualTo(JournalSettings.DEFAULT_MAX_ENTRIES);
		assertThat(settings.getMaxBytes()).isEqualTo(1L << 30).isEqualTo(JournalSettings.DEFAULT_MAX_BYTES);
		assertThat(settings.getSync()).isEqualTo(JournalSync.PROCESS_CRASH).isEqualTo(JournalSettings.DEFAULT_SYNC);
		assertThat(settings.getMaxBatch()).isEqualTo(4096).isEqualTo(JournalSettings.DEFAULT_MAX_BATCH);
	}

	@Test
	void mutateKeepsWhatIsNotChanged() {
		JournalSettings settings = JournalSettings.builder()
			.directory(this.directory)
			.maxEntries(10)
			.maxBytes(1000)
			.sync(JournalSync.POWER_LOSS)
			.maxBatch(7)
			.build();
		JournalSettings changed = settings.mutate().maxEntries(20).build();
		assertThat(changed.getMaxEntries()).isEqualTo(20);
		assertThat(changed.getMaxBytes()).isEqualTo(1000);
		assertThat(changed.getSync()).isEqualTo(JournalSync.POWER_LOSS);
		assertThat(changed.getMaxBatch()).isEqualTo(7);
		assertThat(changed.getDirectory()).isEqualTo(this.directory);
	}

	@Test
	void invalidValuesAreRefusedWithTheirName() {
		JournalSettings.Builder builder = JournalSettings.builder();
		assertThatIllegalArgumentException().isThrownBy(builder::build).withMessage("'directory' must be set");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.directory(null))
			.withMessage("'directory' must not be null");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.maxEntries(0))
			.withMessage("'maxEntries' must be at least 1, was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.maxBytes(0))
			.withMessage("'maxBytes' must be at least 1, was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.maxBatch(-1))
			.withMessage("'maxBatch' must be at least 1, was -1");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.sync(null)).withMessage("'sync' must not be null");
	}

}
