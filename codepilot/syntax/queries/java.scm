(class_declaration name: (_) @name) @def.class
(interface_declaration name: (_) @name) @def.interface
(enum_declaration name: (_) @name) @def.enum
(record_declaration name: (_) @name) @def.class
(annotation_type_declaration name: (_) @name) @def.interface
(method_declaration name: (_) @name) @def.method
(constructor_declaration name: (_) @name) @def.method
(compact_constructor_declaration name: (_) @name) @def.method
