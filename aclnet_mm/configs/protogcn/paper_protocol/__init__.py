# Copyright (c) aclnet-mm contributors. All rights reserved.
