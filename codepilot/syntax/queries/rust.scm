(function_item name: (identifier) @name) @def.function
(function_signature_item name: (identifier) @name) @def.function
(impl_item type: (_) @name) @def.impl
(trait_item name: (_) @name) @def.trait
(struct_item name: (_) @name) @def.struct
(enum_item name: (_) @name) @def.enum
(union_item name: (_) @name) @def.struct
(mod_item name: (_) @name body: (_)) @def.module
(macro_definition name: (_) @name) @def.macro
