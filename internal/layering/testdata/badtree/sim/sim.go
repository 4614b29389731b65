package sim

import _ "github.com/guildsim/guildsim/system/store"
