package io.github.agentmemory.redis.recovery.journal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.SetOptions;
import io.github.agentmemory.redis.command.ZAddOptions;

/**
 * The binary form of a {@link JournalEntry}: only the command data of the write (command,
 * key, arguments, options), never anything about the connection.
 *
 * <p>
 * Layout (version 1): the format version (1 byte), the sequence (8 bytes), the creation
 * time (8 bytes), the priority (1 byte), the command (1 byte), the command's fields, and
 * a CRC-32C of everything before it (4 bytes). Numbers are big-endian; counts and lengths
 * are unsigned LEB128 varints; strings are their length in bytes followed by CESU-8
 * (UTF-8 that encodes each UTF-16 unit on its own, so that every Java string, even one
 * with an unpaired surrogate, comes back unchanged); durations are seconds (varint) and
 * nanoseconds (varint); scores are IEEE 754 doubles.
 *
 * <p>
 * Public for the recovery queue, which holds the writes it parks in memory in this form
 * (a third of the heap of the write's objects); not an API of the library.
 *
 * @author agent-memory-redis
 */
public final class JournalCodec {

	static final int FORMAT_VERSION = 1;

	private static final int HEADER_BYTES = 1 + 8 + 8 + 1 + 1;

	private static final int CRC_BYTES = 4;

	private static final Priority[] PRIORITIES = Priority.values();

	private static final SetOptions.Condition[] CONDITIONS = SetOptions.Condition.values();

	private static final int SET = 1;

	private static final int DELETE = 2;

	private static final int EXPIRE = 3;

	private static final int HASH_SET = 4;

	private static final int HASH_DELETE = 5;

	private static final int SORTED_SET_ADD = 6;

	private static final int SORTED_SET_REMOVE = 7;

	private static final int ZADD_NX = 1;

	private static final int ZADD_XX = 2;

	private static final int ZADD_CH = 4;

	private static final int ZADD_INCR = 8;

	private JournalCodec() {
	}

	/**
	 * Encode an entry.
	 * @param entry the entry
	 * @return its record
	 */
	public static byte[] encode(JournalEntry entry) {
		Output out = new Output(64);
		out.writeByte(FORMAT_VERSION);
		out.writeLong(entry.sequence());
		out.writeLong(entry.createdEpochMillis());
		out.writeByte(entry.priority().ordinal());
		RedisWrite write = entry.write();
		if (write instanceof RedisWrite.Set set) {
			out.writeByte(SET);
			out.writeString(set.key());
			out.writeString(set.value());
			out.writeByte(set.options().getCondition().ordinal());
			Duration ttl = set.options().getTtl();
			out.writeByte((ttl != null) ? 1 : 0);
			if (ttl != null) {
				out.writeDuration(ttl);
			}
		}
		else if (write instanceof RedisWrite.Delete delete) {
			out.writeByte(DELETE);
			out.writeString(delete.key());
		}
		else if (write instanceof RedisWrite.Expire expire) {
			out.writeByte(EXPIRE);
			out.writeString(expire.key());
			out.writeDuration(expire.ttl());
		}
		else if (write instanceof RedisWrite.HashSet hashSet) {
			out.writeByte(HASH_SET);
			out.writeString(hashSet.key());
			out.writeVarLong(hashSet.fields().size());
			hashSet.fields().forEach((field, value) -> {
				out.writeString(field);
				out.writeString(value);
			});
		}
		else if (write instanceof RedisWrite.HashDelete hashDelete) {
			out.writeByte(HASH_DELETE);
			out.writeString(hashDelete.key());
			out.writeStrings(hashDelete.fields());
		}
		else if (write instanceof RedisWrite.SortedSetAdd add) {
			out.writeByte(SORTED_SET_ADD);
			out.writeString(add.key());
			ZAddOptions options = add.options();
			out.writeByte((options.isOnlyNew() ? ZADD_NX : 0) | (options.isOnlyExisting() ? ZADD_XX : 0)
					| (options.isCountChanged() ? ZADD_CH : 0) | (options.isIncrement() ? ZADD_INCR : 0));
			out.writeVarLong(add.members().size());
			add.members().forEach((member, score) -> {
				out.writeString(member);
				out.writeLong(Double.doubleToRawLongBits(score));
			});
		}
		else if (write instanceof RedisWrite.SortedSetRemove remove) {
			out.writeByte(SORTED_SET_REMOVE);
			out.writeString(remove.key());
			out.writeStrings(remove.members());
		}
		else {
			throw new IllegalArgumentException("Unknown write " + write.getClass().getName());
		}
		CRC32C crc = new CRC32C();
		crc.update(out.bytes, 0, out.size);
		out.writeInt((int) crc.getValue());
		return out.toByteArray();
	}

	/**
	 * Decode a record.
	 * @param bytes the record
	 * @return its entry
	 * @throws IllegalArgumentException if the record is corrupt
	 */
	public static JournalEntry decode(byte[] bytes) {
		if (bytes == null || bytes.length < HEADER_BYTES + CRC_BYTES) {
			throw new CorruptRecordException(
					"record of " + ((bytes != null) ? bytes.length : 0) + " bytes is shorter than any entry");
		}
		CRC32C crc = new CRC32C();
		crc.update(bytes, 0, bytes.length - CRC_BYTES);
		Input in = new Input(bytes, bytes.length - CRC_BYTES);
		int stored = new Input(bytes, bytes.length).at(bytes.length - CRC_BYTES).readInt();
		if ((int) crc.getValue() != stored) {
			throw new CorruptRecordException("checksum mismatch");
		}
		int version = in.readByte();
		if (version != FORMAT_VERSION) {
			throw new CorruptRecordException("unknown format version " + version);
		}
		long sequence = in.readLong();
		long created = in.readLong();
		int priority = in.readByte();
		if (priority >= PRIORITIES.length) {
			throw new CorruptRecordException("unknown priority " + priority);
		}
		try {
			RedisWrite write = readWrite(in);
			if (in.position != in.limit) {
				throw new CorruptRecordException((in.limit - in.position) + " bytes after the write");
			}
			return new JournalEntry(sequence, PRIORITIES[priority], write, created);
		}
		catch (CorruptRecordException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			// the value types refuse what no valid write holds (an empty key, a ttl beyond a long of millis)
			throw new CorruptRecordException("invalid write: " + ex);
		}
	}

	private static RedisWrite readWrite(Input in) {
		int type = in.readByte();
		String key = in.readString();
		switch (type) {
			case SET -> {
				String value = in.readString();
				int condition = in.readByte();
				if (condition >= CONDITIONS.length) {
					throw new CorruptRecordException("unknown SET condition " + condition);
				}
				SetOptions.Builder options = SetOptions.builder();
				if (CONDITIONS[condition] == SetOptions.Condition.IF_ABSENT) {
					options.ifAbsent();
				}
				else if (CONDITIONS[condition] == SetOptions.Condition.IF_PRESENT) {
					options.ifPresent();
				}
				int hasTtl = in.readByte();
				if (hasTtl == 1) {
					options.ttl(in.readDuration());
				}
				else if (hasTtl != 0) {
					throw new CorruptRecordException("invalid ttl flag " + hasTtl);
				}
				return RedisWrite.set(key, value, options.build());
			}
			case DELETE -> {
				return RedisWrite.delete(key);
			}
			case EXPIRE -> {
				return RedisWrite.expire(key, in.readDuration());
			}
			case HASH_SET -> {
				int count = in.readCount();
				Map<String, String> fields = new LinkedHashMap<>(count * 2);
				for (int i = 0; i < count; i++) {
					fields.put(in.readString(), in.readString());
				}
				return RedisWrite.hset(key, fields);
			}
			case HASH_DELETE -> {
				return RedisWrite.hdel(key, in.readStrings());
			}
			case SORTED_SET_ADD -> {
				int flags = in.readByte();
				if ((flags & ~(ZADD_NX | ZADD_XX | ZADD_CH | ZADD_INCR)) != 0) {
					throw new CorruptRecordException("unknown ZADD flags " + flags);
				}
				ZAddOptions.Builder options = ZAddOptions.builder();
				if ((flags & ZADD_NX) != 0) {
					options.onlyNew();
				}
				if ((flags & ZADD_XX) != 0) {
					options.onlyExisting();
				}
				if ((flags & ZADD_CH) != 0) {
					options.countChanged();
				}
				if ((flags & ZADD_INCR) != 0) {
					options.increment();
				}
				int count = in.readCount();
				Map<String, Double> members = new LinkedHashMap<>(count * 2);
				for (int i = 0; i < count; i++) {
					members.put(in.readString(), Double.longBitsToDouble(in.readLong()));
				}
				return RedisWrite.zadd(key, members, options.build());
			}
			case SORTED_SET_REMOVE -> {
				return RedisWrite.zrem(key, in.readStrings());
			}
			default -> throw new CorruptRecordException("unknown command " + type);
		}
	}

	/**
	 * A record that is not a valid entry of this format.
	 */
	static final class CorruptRecordException extends IllegalArgumentException {

		CorruptRecordException(String message) {
			super(message);
		}

	}

	private static final class Output {

		private byte[] bytes;

		private int size;

		Output(int capacity) {
			this.bytes = new byte[capacity];
		}

		private void ensure(int more) {
			if (this.size + more > this.bytes.length) {
				this.bytes = Arrays.copyOf(this.bytes, Math.max(this.bytes.length * 2, this.size + more));
			}
		}

		void writeByte(int value) {
			ensure(1);
			this.bytes[this.size++] = (byte) value;
		}

		void writeInt(int value) {
			ensure(4);
			for (int shift = 24; shift >= 0; shift -= 8) {
				this.bytes[this.size++] = (byte) (value >>> shift);
			}
		}

		void writeLong(long value) {
			ensure(8);
			for (int shift = 56; shift >= 0; shift -= 8) {
				this.bytes[this.size++] = (byte) (value >>> shift);
			}
		}

		void writeVarLong(long value) {
			ensure(10);
			long rest = value;
			while ((rest & ~0x7FL) != 0) {
				this.bytes[this.size++] = (byte) ((rest & 0x7F) | 0x80);
				rest >>>= 7;
			}
			this.bytes[this.size++] = (byte) rest;
		}

		void writeDuration(Duration duration) {
			writeVarLong(duration.getSeconds());
			writeVarLong(duration.getNano());
		}

		void writeString(String value) {
			int length = value.length();
			int encoded = 0;
			for (int i = 0; i < length; i++) {
				char c = value.charAt(i);
				encoded += (c < 0x80) ? 1 : (c < 0x800) ? 2 : 3;
			}
			writeVarLong(encoded);
			ensure(encoded);
			byte[] b = this.bytes;
			int p = this.size;
			for (int i = 0; i < length; i++) {
				char c = value.charAt(i);
				if (c < 0x80) {
					b[p++] = (byte) c;
				}
				else if (c < 0x800) {
					b[p++] = (byte) (0xC0 | (c >> 6));
					b[p++] = (byte) (0x80 | (c & 0x3F));
				}
				else {
					b[p++] = (byte) (0xE0 | (c >> 12));
					b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
					b[p++] = (byte) (0x80 | (c & 0x3F));
				}
			}
			this.size = p;
		}

		void writeStrings(List<String> values) {
			writeVarLong(values.size());
			for (String value : values) {
				writeString(value);
			}
		}

		byte[] toByteArray() {
			return (this.size == this.bytes.length) ? this.bytes : Arrays.copyOf(this.bytes, this.size);
		}

	}

	private static final class Input {

		private final byte[] bytes;

		private final int limit;

		private int position;

		Input(byte[] bytes, int limit) {
			this.bytes = bytes;
			this.limit = limit;
		}

		Input at(int position) {
			this.position = position;
			return this;
		}

		private void require(long count) {
			if (count < 0 || this.position + count > this.limit) {
				throw new CorruptRecordException("record ends early at byte " + this.position);
			}
		}

		int readByte() {
			require(1);
			return this.bytes[this.position++] & 0xFF;
		}

		int readInt() {
			require(4);
			int value = 0;
			for (int i = 0; i < 4; i++) {
				value = (value << 8) | (this.bytes[this.position++] & 0xFF);
			}
			return value;
		}

		long readLong() {
			require(8);
			long value = 0;
			for (int i = 0; i < 8; i++) {
				value = (value << 8) | (this.bytes[this.position++] & 0xFF);
			}
			return value;
		}

		long readVarLong() {
			long value = 0;
			for (int shift = 0; shift < 64; shift += 7) {
				int b = readByte();
				value |= (long) (b & 0x7F) << shift;
				if ((b & 0x80) == 0) {
					return value;
				}
			}
			throw new CorruptRecordException("varint longer than 10 bytes");
		}

		int readCount() {
			long count = readVarLong();
			// every element takes at least one byte: a larger count cannot be genuine
			if (count < 1 || count > this.limit - this.position) {
				throw new CorruptRecordException("invalid element count " + count);
			}
			return (int) count;
		}

		Duration readDuration() {
			long seconds = readVarLong();
			long nanos = readVarLong();
			if (nanos > 999_999_999L) {
				throw new CorruptRecordException("invalid nanoseconds " + nanos);
			}
			return Duration.ofSeconds(seconds, nanos);
		}

		String readString() {
			long length = readVarLong();
			require(length);
			int end = this.position + (int) length;
			char[] chars = new char[(int) length];
			int count = 0;
			byte[] b = this.bytes;
			int p = this.position;
			while (p < end) {
				int first = b[p++] & 0xFF;
				if (first < 0x80) {
					chars[count++] = (char) first;
				}
				else if ((first & 0xE0) == 0xC0 && p < end) {
					chars[count++] = (char) (((first & 0x1F) << 6) | continuation(b[p++]));
				}
				else if ((first & 0xF0) == 0xE0 && p + 1 < end) {
					int second = continuation(b[p++]);
					chars[count++] = (char) (((first & 0x0F) << 12) | (second << 6) | continuation(b[p++]));
				}
				else {
					throw new CorruptRecordException("invalid string encoding at byte " + (p - 1));
				}
			}
			this.position = end;
			return new String(chars, 0, count);
		}

		private static int continuation(byte b) {
			if ((b & 0xC0) != 0x80) {
				throw new CorruptRecordException("invalid string encoding");
			}
			return b & 0x3F;
		}

		List<String> readStrings() {
			int count = readCount();
			List<String> values = new ArrayList<>(count);
			for (int i = 0; i < count; i++) {
				values.add(readString());
			}
			return values;
		}

	}

}
