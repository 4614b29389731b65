package gateway

import _ "github.com/guildsim/guildsim/cmd/guildsim"
