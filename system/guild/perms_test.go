package guild

import "testing"

// TestChannelPermissions checks the computation against Discord's documented
// order: @everyone base, roles OR'd, administrator bypass, then the
// @everyone overwrite, the role overwrites together, the member overwrite;
// no VIEW_CHANNEL means nothing.
func TestChannelPermissions(t *testing.T) {
	const (
		g     = 100 // guild ID = @everyone role ID
		owner = 1
		u     = 7
		r1    = 201
		r2    = 202
		admin = 203
		view  = PermViewChannel
		send  = PermSendMessages
		hist  = PermReadMessageHistory
	)
	rolePerms := map[uint64]Permissions{r1: send, r2: hist, admin: PermAdministrator}
	ow := func(id uint64, kind OverwriteKind, allow, deny Permissions) Overwrite {
		return Overwrite{ID: id, Kind: kind, Allow: allow, Deny: deny}
	}
	cases := []struct {
		name     string
		user     uint64
		everyone Permissions
		roles    []uint64
		ows      []Overwrite
		want     Permissions
	}{
		{"everyone only", u, view, nil, nil, view},
		{"roles are OR'd", u, view, []uint64{r1, r2}, nil, view | send | hist},
		{"no view hides all", u, send, []uint64{r2}, nil, 0},
		{"everyone deny", u, view | send, nil, []Overwrite{ow(g, OverwriteRole, 0, view)}, 0},
		{"role allow beats everyone deny", u, view, []uint64{r1},
			[]Overwrite{ow(g, OverwriteRole, 0, view), ow(r1, OverwriteRole, view, 0)}, view | send},
		{"role allow beats role deny", u, view, []uint64{r1, r2},
			[]Overwrite{ow(r1, OverwriteRole, 0, send), ow(r2, OverwriteRole, send, 0)}, view | send | hist},
		{"member deny beats role allow", u, view, []uint64{r1},
			[]Overwrite{ow(r1, OverwriteRole, view, 0), ow(u, OverwriteMember, 0, view)}, 0},
		{"member allow beats everyone deny", u, 0, nil,
			[]Overwrite{ow(g, OverwriteRole, 0, view), ow(u, OverwriteMember, view, 0)}, view},
		{"everyone overwrite listed last still applies first", u, view, []uint64{r1},
			[]Overwrite{ow(r1, OverwriteRole, view, 0), ow(g, OverwriteRole, 0, view)}, view | send},
		{"other member's overwrite ignored", u, view, nil, []Overwrite{ow(u+1, OverwriteMember, 0, view)}, view},
		{"other role's overwrite ignored", u, view, []uint64{r1}, []Overwrite{ow(r2, OverwriteRole, 0, view)}, view | send},
		{"administrator bypasses overwrites", u, 0, []uint64{admin},
			[]Overwrite{ow(g, OverwriteRole, 0, view), ow(u, OverwriteMember, 0, view)}, PermAll},
		{"owner has everything", owner, 0, nil, []Overwrite{ow(owner, OverwriteMember, 0, view)}, PermAll},
	}
	for _, c := range cases {
		base := basePermissions(owner, c.user, c.everyone, c.roles, func(id uint64) Permissions { return rolePerms[id] })
		got := channelPermissions(g, c.user, base, c.roles, &Channel{ID: 300, Overwrites: c.ows})
		if got != c.want {
			t.Errorf("%s: got %#x, want %#x", c.name, got, c.want)
		}
	}
}
