package store

import (
	"fmt"

	"github.com/guildsim/guildsim/sim"
)

// Argument checks of the client API. Each error names the argument, what
// was wrong with it and what is accepted, and wraps one of api.go's errors
// (or the engine's ErrPageSize) for errors.Is.

func (c *Coordinator) checkWrite(ctx *sim.Ctx, m WriteMessage) error {
	if err := c.checkConsistency(m.Consistency); err != nil {
		return err
	}
	if err := c.checkChannel(ctx, m.Channel); err != nil {
		return err
	}
	if m.Author == 0 {
		return fmt.Errorf("%w: author 0: must be a user's snowflake", ErrBadRequest)
	}
	if m.Message != 0 && m.Message <= m.Channel {
		return fmt.Errorf("%w: message %d: not above its channel %d", ErrBadRequest, m.Message, m.Channel)
	}
	return checkContent(m.Content)
}

func (c *Coordinator) checkPage(ctx *sim.Ctx, m ReadPage) error {
	if err := c.checkConsistency(m.Consistency); err != nil {
		return err
	}
	q := m.Query
	if err := c.checkChannel(ctx, q.Channel); err != nil {
		return err
	}
	if q.Limit < 1 || q.Limit > c.opts.MaxPageSize {
		return fmt.Errorf("%w: limit %d: must be between 1 and %d", ErrPageSize, q.Limit, c.opts.MaxPageSize)
	}
	if q.Before != 0 && q.After != 0 {
		return fmt.Errorf("%w: before %d and after %d: give at most one of them", ErrBadCursor, q.Before, q.After)
	}
	return nil
}

func (c *Coordinator) checkConsistency(cl Consistency) error {
	if !cl.valid() {
		return fmt.Errorf("%w: consistency %d: must be Quorum (%d), One (%d) or All (%d)", ErrBadRequest, cl, Quorum, One, All)
	}
	return nil
}

// checkChannel refuses IDs that cannot name a channel: the store keeps no
// registry of channels (guild processes own them), but a channel cannot be
// 0 nor created after now.
func (c *Coordinator) checkChannel(ctx *sim.Ctx, channel Snowflake) error {
	if channel == 0 {
		return fmt.Errorf("%w: channel 0: must be a channel's snowflake", ErrUnknownChannel)
	}
	if limit := ctx.Now().Add(c.opts.MaxClockAhead); channel.Timestamp() > limit {
		return fmt.Errorf("%w: channel %d: its snowflake is dated %d ms past the epoch, after this coordinator's clock (%d ms)",
			ErrUnknownChannel, channel, channel.Millis(), MinIDAt(limit).Millis())
	}
	return nil
}

// checkMessage refuses message IDs that cannot be in channel.
func checkMessage(channel, message Snowflake) error {
	if message == 0 {
		return fmt.Errorf("%w: message 0: must be a message's snowflake", ErrUnknownMessage)
	}
	if message < channel {
		return fmt.Errorf("%w: message %d: older than its channel %d", ErrUnknownMessage, message, channel)
	}
	return nil
}

func checkContent(content string) error {
	if len(content) == 0 || len(content) > MaxContentBytes {
		return fmt.Errorf("%w: content of %d bytes: must be between 1 and %d", ErrBadRequest, len(content), MaxContentBytes)
	}
	return nil
}
